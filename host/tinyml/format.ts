// The compiled model's binary form (docs/model.md): little-endian 32-bit words, a header, the tensor
// table, the operator records, then the 16-byte aligned data section. The core reads it in place.
import { ModelError } from "./errors.ts";
import { summarize, TENSOR_TYPE_CODE, type CompiledModel, type CompiledOp, type CompiledTensor, type TensorType } from "./model.ts";
import { operatorName } from "./builtins.ts";
import { align } from "./plan.ts";

export const MAGIC = 0x4c4d5443; // "CTML"
export const FORMAT_VERSION = 1;
export const HEADER_WORDS = 10;
export const TENSOR_WORDS = 14;
export const OP_HEADER_WORDS = 5;
const TYPES: TensorType[] = ["int8", "int32", "float32"];

export function encodeCompiledModel(m: CompiledModel): Uint8Array {
  const words: number[] = [];
  const data: Uint8Array[] = [];
  let dataLen = 0;
  const put = (bytes: Uint8Array): number => {
    const at = dataLen;
    const padded = new Uint8Array(align(bytes.length));
    padded.set(bytes);
    data.push(padded);
    dataLen += padded.length;
    return at;
  };
  words.push(MAGIC, FORMAT_VERSION, m.tensors.length, m.ops.length, m.arenaBytes, m.inputs.length, m.outputs.length, 0, 0, 0);
  words.push(...m.inputs, ...m.outputs);
  for (const t of m.tensors) {
    if (t.shape.length > 4) throw new ModelError("unsupported", `tensor "${t.name}" has rank ${t.shape.length}, at most 4 is supported`);
    const dims = [...t.shape, 0, 0, 0, 0].slice(0, 4);
    const dataOffset = t.data ? put(t.data) : -1;
    let quantOffset = -1;
    if (t.scale.length > 1) {
      const q = new DataView(new ArrayBuffer(8 * t.scale.length));
      t.scale.forEach((s, i) => q.setFloat32(4 * i, s, true));
      t.zeroPoint.forEach((z, i) => q.setInt32(4 * (t.scale.length + i), z, true));
      quantOffset = put(new Uint8Array(q.buffer));
    }
    words.push(TENSOR_TYPE_CODE[t.type], t.shape.length, ...dims, t.zeroPoint[0] ?? 0, f32bits(t.scale[0] ?? 0),
      t.arenaOffset, dataOffset, t.data ? t.data.length : 0, t.quantDim, t.scale.length, quantOffset);
  }
  for (const op of m.ops) words.push(op.code, op.inputs.length, op.outputs.length, op.params.length, op.macs, ...op.inputs, ...op.outputs, ...op.params);
  const dataStart = align(words.length * 4);
  words[7] = dataStart;
  words[8] = dataLen;
  words[9] = dataStart + dataLen;
  const out = new Uint8Array(dataStart + dataLen);
  const dv = new DataView(out.buffer);
  words.forEach((w, i) => dv.setInt32(4 * i, w, true));
  let at = dataStart;
  for (const d of data) { out.set(d, at); at += d.length; }
  return out;
}

export function decodeCompiledModel(bytes: Uint8Array): CompiledModel {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const words = bytes.byteLength >> 2;
  let pos = 0;
  const word = (what: string): number => {
    if (pos >= words) throw new ModelError("corrupt", `compiled model truncated: ${what} at byte ${pos * 4} past the end (${bytes.byteLength} bytes)`);
    return dv.getInt32(4 * pos++, true);
  };
  if (word("magic") !== MAGIC) throw new ModelError("corrupt", "not a compiled Colony model (magic is not CTML)");
  const version = word("version");
  if (version !== FORMAT_VERSION) throw new ModelError("unsupported", `compiled model format version ${version}, expected ${FORMAT_VERSION}`);
  const [nT, nO, arenaBytes, nIn, nOut, dataStart, dataLen, total] = [0, 0, 0, 0, 0, 0, 0, 0].map((_, i) => word(`header word ${i + 2}`)) as number[];
  if (total !== bytes.byteLength || dataStart! + dataLen! !== total || dataStart! < 0 || dataLen! < 0) {
    throw new ModelError("corrupt", `compiled model is ${bytes.byteLength} bytes, its header says ${total} (truncated or corrupt)`);
  }
  const count = (n: number, what: string): number => {
    if (n < 0 || n > words) throw new ModelError("corrupt", `compiled model: bad ${what} count ${n}`);
    return n;
  };
  const tensorIndex = (i: number, what: string): number => {
    if (i < -1 || i >= nT!) throw new ModelError("corrupt", `compiled model: ${what} names tensor ${i} of ${nT}`);
    return i;
  };
  const inputs = Array.from({ length: count(nIn!, "input") }, () => tensorIndex(word("inputs"), "model input"));
  const outputs = Array.from({ length: count(nOut!, "output") }, () => tensorIndex(word("outputs"), "model output"));
  const slice = (off: number, len: number, what: string): Uint8Array => {
    if (off < 0 || len < 0 || off + len > dataLen!) throw new ModelError("corrupt", `compiled model: ${what} lies outside the data section`);
    return bytes.slice(dataStart! + off, dataStart! + off + len);
  };
  const tensors: CompiledTensor[] = Array.from({ length: count(nT!, "tensor") }, (_, i) => {
    const w = Array.from({ length: TENSOR_WORDS }, () => word(`tensor ${i}`));
    const type = TYPES[w[0]!];
    if (!type || w[1]! > 4 || w[1]! < 0) throw new ModelError("corrupt", `compiled model: tensor ${i} has bad type ${w[0]} or rank ${w[1]}`);
    let scale = [f32(w[7]!)];
    let zeroPoint = [w[6]!];
    if (w[12]! > 1) {
      const q = slice(w[13]!, 8 * w[12]!, `tensor ${i} quantization`);
      const qv = new DataView(q.buffer);
      scale = Array.from({ length: w[12]! }, (_, k) => qv.getFloat32(4 * k, true));
      zeroPoint = Array.from({ length: w[12]! }, (_, k) => qv.getInt32(4 * (w[12]! + k), true));
    } else if (w[12] === 0) { scale = []; zeroPoint = []; }
    return {
      name: "",
      type,
      shape: w.slice(2, 2 + w[1]!),
      scale,
      zeroPoint,
      quantDim: w[11]!,
      arenaOffset: w[8]!,
      data: w[9]! >= 0 ? slice(w[9]!, w[10]!, `tensor ${i} data`) : null,
    };
  });
  const ops: CompiledOp[] = Array.from({ length: count(nO!, "operator") }, (_, k) => {
    const [code, ni, no, np, macs] = Array.from({ length: OP_HEADER_WORDS }, () => word(`operator ${k}`)) as number[];
    const ins = Array.from({ length: count(ni!, "operator input") }, () => tensorIndex(word(`operator ${k} inputs`), `operator ${k}`));
    const outs = Array.from({ length: count(no!, "operator output") }, () => tensorIndex(word(`operator ${k} outputs`), `operator ${k}`));
    const params = Int32Array.from({ length: count(np!, "operator param") }, () => word(`operator ${k} params`));
    return { code: code!, name: operatorName(code!), inputs: ins, outputs: outs, params, macs: macs! };
  });
  return { tensors, ops, inputs, outputs, arenaBytes: arenaBytes!, summary: summarize(tensors, ops, inputs, outputs, arenaBytes!) };
}

function f32bits(x: number): number {
  const b = new DataView(new ArrayBuffer(4));
  b.setFloat32(0, x, true);
  return b.getInt32(0, true);
}
function f32(bits: number): number {
  const b = new DataView(new ArrayBuffer(4));
  b.setInt32(0, bits, true);
  return b.getFloat32(0, true);
}
