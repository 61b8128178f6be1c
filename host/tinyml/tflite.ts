// Reads a TFLite flatbuffer (schema v3) into plain objects: only what the compiler needs.
// Field numbers follow the public schema.fbs (Model, SubGraph, Tensor, QuantizationParameters,
// Operator, OperatorCode, Buffer).
import { ModelError } from "./errors.ts";
import { FlatTable, rootTable } from "./flat.ts";
import { operatorName, typeName } from "./builtins.ts";

export interface TfliteQuant {
  scale: number[];
  zeroPoint: number[];
  quantizedDimension: number;
}

export interface TfliteTensor {
  index: number;
  name: string;
  shape: number[];
  type: string; // "INT8", "INT32", "FLOAT32"...
  /** Constant data (weights, biases), or null for activations. */
  data: Uint8Array | null;
  quant: TfliteQuant | null;
}

export interface TfliteOperator {
  index: number;
  code: number;
  name: string;
  inputs: number[]; // -1 = optional input absent
  outputs: number[];
  /** builtin_options union type and table (null when absent). */
  optionsType: number;
  options: FlatTable | null;
  /** OperatorCode.custom_code of a CUSTOM operator, "" otherwise. */
  customCode: string;
}

export interface TfliteModel {
  version: number;
  description: string;
  tensors: TfliteTensor[];
  operators: TfliteOperator[];
  inputs: number[];
  outputs: number[];
}

export function readTflite(bytes: Uint8Array): TfliteModel {
  if (bytes.length < 8) throw new ModelError("corrupt", `not a .tflite file: only ${bytes.length} bytes`);
  const ident = String.fromCharCode(bytes[4]!, bytes[5]!, bytes[6]!, bytes[7]!);
  if (ident !== "TFL3") {
    // a text or binary file's bytes shown as they would print: text quoted, anything else in hex
    const shown = /^[\x20-\x7e]{4}$/.test(ident) ? `"${ident}"` : `0x${[...bytes.subarray(4, 8)].map((b) => b.toString(16).padStart(2, "0")).join("")}`;
    throw new ModelError("corrupt", `not a TFLite schema v3 file: bytes 4..7 are ${shown}, a .tflite file has "TFL3" there`);
  }
  try {
    return readModel(rootTable(bytes, "Model"));
  } catch (err) {
    if (err instanceof ModelError) throw err;
    // Anything else from the flatbuffers runtime means the bytes are not a valid model.
    throw new ModelError("corrupt", `corrupt .tflite: ${(err as Error).message}`);
  }
}

function readModel(model: FlatTable): TfliteModel {
  const version = model.u32(0);
  if (version !== 3) throw new ModelError("unsupported", `TFLite schema version ${version}, only 3 is supported`);
  const customCodes = model.tables(1, "OperatorCode").map((oc) => oc.string(1));
  const codes = model.tables(1, "OperatorCode").map((oc) =>
    // Operator code = max(deprecated_builtin_code, builtin_code): older files set only the first.
    Math.max(oc.i8(0), oc.i32(3)),
  );
  const buffers = model.tables(4, "Buffer").map((b, i) => {
    if (b.u32(1) !== 0 || b.u32(2) !== 0) {
      throw new ModelError("unsupported", `Buffer[${i}] stores its data outside the flatbuffer (offset/size), not supported`);
    }
    return b.bytes(0);
  });
  const subgraphs = model.tables(2, "SubGraph");
  if (subgraphs.length !== 1) throw new ModelError("unsupported", `${subgraphs.length} subgraphs, exactly one is supported`);
  const sg = subgraphs[0]!;
  const tensors = sg.tables(0, "Tensor").map((t, index): TfliteTensor => {
    const buffer = t.u32(2);
    if (buffer >= buffers.length) throw new ModelError("corrupt", `Tensor[${index}] names buffer ${buffer} of ${buffers.length}`);
    const data = buffers[buffer];
    const q = t.table(4, `Tensor[${index}].quantization`);
    const quant: TfliteQuant | null = q
      ? { scale: q.f32s(2), zeroPoint: q.i64s(3), quantizedDimension: q.i32(6) }
      : null;
    return {
      index,
      name: t.string(3),
      shape: t.i32s(0),
      type: typeName(t.i8(1)),
      data: data && data.length > 0 ? data : null,
      quant: quant && quant.scale.length > 0 ? quant : null,
    };
  });
  const checkTensor = (i: number, what: string): number => {
    if (i < -1 || i >= tensors.length) throw new ModelError("corrupt", `${what} names tensor ${i} of ${tensors.length}`);
    return i;
  };
  const operators = sg.tables(3, "Operator").map((op, index): TfliteOperator => {
    const ci = op.u32(0);
    if (ci >= codes.length) throw new ModelError("corrupt", `Operator[${index}] names operator code ${ci} of ${codes.length}`);
    const code = codes[ci]!;
    return {
      index,
      code,
      name: operatorName(code),
      inputs: op.i32s(1).map((i) => checkTensor(i, `Operator[${index}] input`)),
      outputs: op.i32s(2).map((i) => checkTensor(i, `Operator[${index}] output`)),
      optionsType: op.u8(3),
      options: op.table(4, `Operator[${index}].builtin_options`),
      customCode: customCodes[ci] ?? "",
    };
  });
  return {
    version,
    description: model.string(3),
    tensors,
    operators,
    inputs: sg.i32s(1).map((i) => checkTensor(i, "SubGraph input")),
    outputs: sg.i32s(2).map((i) => checkTensor(i, "SubGraph output")),
  };
}
