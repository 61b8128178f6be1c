// The compiled model: what the inference core runs. Its binary form is in format.ts, documented in docs/model.md.

export type TensorType = "int8" | "int32" | "float32";

export const TENSOR_TYPE_CODE: Record<TensorType, number> = { int8: 0, int32: 1, float32: 2 };
export const TENSOR_TYPE_BYTES: Record<TensorType, number> = { int8: 1, int32: 4, float32: 4 };

export interface CompiledTensor {
  name: string;
  type: TensorType;
  shape: number[];
  /** One scale and zero point (per tensor) or one per channel along quantDim. */
  scale: number[];
  zeroPoint: number[];
  quantDim: number;
  /** Offset in the arena (activations), or -1 for a constant. */
  arenaOffset: number;
  /** Constant bytes (little endian), or null for activations. */
  data: Uint8Array | null;
}

export interface CompiledOp {
  /** TFLite builtin operator code (the core's registry uses the same numbers). */
  code: number;
  name: string;
  inputs: number[];
  outputs: number[];
  /** Operator parameters precomputed by the compiler, layout per operator in docs/model.md. */
  params: Int32Array;
  macs: number;
}

export interface ModelSummary {
  ops: { index: number; name: string; macs: number; output: number[] }[];
  opCounts: Record<string, number>;
  paramBytes: number;
  macs: number;
  arenaBytes: number;
  input: { shape: number[]; type: TensorType; scale: number; zeroPoint: number; bytes: number };
  output: { shape: number[]; type: TensorType; scale: number; zeroPoint: number; bytes: number };
}

export interface CompiledModel {
  tensors: CompiledTensor[];
  ops: CompiledOp[];
  inputs: number[];
  outputs: number[];
  arenaBytes: number;
  summary: ModelSummary;
}

export function tensorBytes(t: CompiledTensor): number {
  return t.shape.reduce((a, b) => a * b, 1) * TENSOR_TYPE_BYTES[t.type];
}

/** The summary (counts, bytes, MACs) of a model's tensors and operators. */
export function summarize(tensors: CompiledTensor[], ops: CompiledOp[], inputs: number[], outputs: number[], arenaBytes: number): ModelSummary {
  const io = (i: number): ModelSummary["input"] => {
    const t = tensors[i]!;
    return { shape: t.shape, type: t.type, scale: t.scale[0] ?? 0, zeroPoint: t.zeroPoint[0] ?? 0, bytes: tensorBytes(t) };
  };
  const opCounts: Record<string, number> = {};
  for (const op of ops) opCounts[op.name] = (opCounts[op.name] ?? 0) + 1;
  return {
    ops: ops.map((op, index) => ({ index, name: op.name, macs: op.macs, output: tensors[op.outputs[0]!]!.shape })),
    opCounts,
    paramBytes: tensors.reduce((a, t) => a + (t.data ? t.data.length : 0), 0),
    macs: ops.reduce((a, op) => a + op.macs, 0),
    arenaBytes,
    input: io(inputs[0]!),
    output: io(outputs[0]!),
  };
}
