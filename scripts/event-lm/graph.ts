// The int8 graph of the event model as TFLite tensors and operators, in a fixed order: the writer (quantize.ts),
// the .tflite builder and the integer reference (int8-reference.ts) all index tensors by these names.
import { LAYER_NORM_CUSTOM } from "../../host/tinyml/compile.ts";
import { readTflite } from "../../host/tinyml/tflite.ts";
import { buildTflite, type TinyOp, type TinyTensor } from "../../test/tinyml/tflite-builder.ts";

export const TENSORS = [
  "ids", "E", "e", "P", "x", "Wq", "bq", "q", "Wk", "bk", "k", "Wv", "bv", "v", "s", "a", "c", "r1",
  "g1", "be1", "h", "W1", "b1", "u", "g", "W2", "b2", "f", "r2", "Wh", "bh", "z",
] as const;
export type TensorName = (typeof TENSORS)[number];
export const T: Record<TensorName, number> = Object.fromEntries(TENSORS.map((n, i) => [n, i])) as Record<TensorName, number>;

const FC = 9, ADD = 0, GATHER = 36, BMM = 126, SOFTMAX = 25, GELU = 150, CUSTOM = 32;
const adjY: TinyOp["options"] = { type: 98, fields: [{ slot: 1, i8: 1 }] };
const op = (code: number, inputs: TensorName[], output: TensorName, extra: Partial<TinyOp> = {}): TinyOp =>
  ({ code, inputs: inputs.map((n) => T[n]), outputs: [T[output]], ...extra });

/** GATHER, +position, Q/K/V, Q K^T, softmax, x V, residual, layer norm, GELU feed-forward, residual, pooled heads. */
export const OPS: TinyOp[] = [
  op(GATHER, ["E", "ids"], "e"),
  op(ADD, ["e", "P"], "x"),
  op(FC, ["x", "Wq", "bq"], "q"),
  op(FC, ["x", "Wk", "bk"], "k"),
  op(FC, ["x", "Wv", "bv"], "v"),
  op(BMM, ["q", "k"], "s", { options: adjY }),
  op(SOFTMAX, ["s"], "a"),
  op(BMM, ["a", "v"], "c"),
  op(ADD, ["x", "c"], "r1"),
  op(CUSTOM, ["r1", "g1", "be1"], "h", { custom: LAYER_NORM_CUSTOM }),
  op(FC, ["h", "W1", "b1"], "u"),
  op(GELU, ["u"], "g"),
  op(FC, ["g", "W2", "b2"], "f"),
  op(ADD, ["h", "f"], "r2"),
  op(FC, ["r2", "Wh", "bh"], "z"),
];

export function writeGraph(tensors: TinyTensor[]): Uint8Array {
  if (tensors.length !== TENSORS.length) throw new Error(`event model graph needs ${TENSORS.length} tensors, got ${tensors.length}`);
  return buildTflite(tensors, OPS, [T.ids], [T.z]);
}

const TYPE_CODE: Record<string, number> = { FLOAT32: 0, INT32: 2, INT8: 9 };

/** The tensors of an event model .tflite, back in the writer's form (the reference runs from the file's own numbers). */
export function readGraph(bytes: Uint8Array): TinyTensor[] {
  const m = readTflite(bytes);
  if (m.tensors.length !== TENSORS.length || m.operators.length !== OPS.length) {
    throw new Error(`not an event model: ${m.tensors.length} tensors and ${m.operators.length} operators (expected ${TENSORS.length} and ${OPS.length})`);
  }
  return m.tensors.map((t) => ({
    shape: t.shape,
    type: TYPE_CODE[t.type] ?? -1,
    scale: t.quant?.scale[0] ?? 0,
    zeroPoint: t.quant?.zeroPoint[0] ?? 0,
    ...(t.data ? { data: t.data.slice() } : {}),
  }));
}
