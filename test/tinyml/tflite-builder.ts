// Writes small TFLite flatbuffers (schema v3 field numbers) for reader tests: one subgraph of
// int8 tensors and operators named by builtin code.
import { Builder } from "flatbuffers";

export interface TinyTensor {
  shape: number[];
  type?: number; // TensorType, default INT8 (9)
  scale?: number;
  zeroPoint?: number;
  data?: Uint8Array;
}
export interface TinyOp {
  code: number;
  inputs: number[];
  outputs: number[];
  /** custom_code of a CUSTOM (32) operator. */
  custom?: string;
  /** builtin_options: union type and scalar fields by slot. */
  options?: { type: number; fields: { slot: number; i8?: number; i32?: number; f32?: number }[] };
}

export function buildTflite(tensors: TinyTensor[], ops: TinyOp[], inputs: number[], outputs: number[]): Uint8Array {
  const b = new Builder(1024);
  const intVector = (xs: number[]): number => {
    b.startVector(4, xs.length, 4);
    for (let i = xs.length - 1; i >= 0; i--) b.addInt32(xs[i]!);
    return b.endVector();
  };
  // Buffers: 0 is the empty buffer; each constant gets its own.
  const bufferData: (Uint8Array | null)[] = [null, ...tensors.filter((t) => t.data).map((t) => t.data!)];
  const buffers = bufferData.map((d) => {
    const data = d ? b.createByteVector(d) : 0;
    b.startObject(1);
    if (d) b.addFieldOffset(0, data, 0);
    return b.endObject();
  });
  let nextBuffer = 1;
  const tensorOffsets = tensors.map((t) => {
    const shape = intVector(t.shape);
    b.startVector(4, 1, 4);
    b.addFloat32(t.scale ?? 0.5);
    const scale = b.endVector();
    b.startVector(8, 1, 8);
    b.addInt64(BigInt(t.zeroPoint ?? 0));
    const zp = b.endVector();
    b.startObject(7);
    b.addFieldOffset(2, scale, 0);
    b.addFieldOffset(3, zp, 0);
    const quant = b.endObject();
    b.startObject(5);
    b.addFieldOffset(0, shape, 0);
    b.addFieldInt8(1, t.type ?? 9, -1);
    b.addFieldInt32(2, t.data ? nextBuffer++ : 0, -1);
    b.addFieldOffset(4, quant, 0);
    return b.endObject();
  });
  const key = (o: TinyOp): string => `${o.code}:${o.custom ?? ""}`;
  const keys = [...new Set(ops.map(key))];
  const codeOffsets = keys.map((k) => {
    const c = Number(k.split(":")[0]);
    const custom = k.slice(k.indexOf(":") + 1);
    const name = custom ? b.createString(custom) : 0;
    b.startObject(4);
    if (custom) b.addFieldOffset(1, name, 0);
    b.addFieldInt8(0, Math.min(c, 127), -1);
    b.addFieldInt32(2, 1, -1);
    b.addFieldInt32(3, c, -1);
    return b.endObject();
  });
  const opOffsets = ops.map((o) => {
    const ins = intVector(o.inputs);
    const outs = intVector(o.outputs);
    let options = 0;
    if (o.options) {
      b.startObject(8);
      for (const f of o.options.fields) {
        if (f.i8 !== undefined) b.addFieldInt8(f.slot, f.i8, 0);
        if (f.i32 !== undefined) b.addFieldInt32(f.slot, f.i32, 0);
        if (f.f32 !== undefined) b.addFieldFloat32(f.slot, f.f32, 0);
      }
      options = b.endObject();
    }
    b.startObject(5);
    b.addFieldInt32(0, keys.indexOf(key(o)), -1);
    b.addFieldOffset(1, ins, 0);
    b.addFieldOffset(2, outs, 0);
    if (o.options) {
      b.addFieldInt8(3, o.options.type, 0);
      b.addFieldOffset(4, options, 0);
    }
    return b.endObject();
  });
  const tableVector = (xs: number[]): number => {
    b.startVector(4, xs.length, 4);
    for (let i = xs.length - 1; i >= 0; i--) b.addOffset(xs[i]!);
    return b.endVector();
  };
  const tv = tableVector(tensorOffsets);
  const iv = intVector(inputs);
  const ov = intVector(outputs);
  const opv = tableVector(opOffsets);
  b.startObject(4);
  b.addFieldOffset(0, tv, 0);
  b.addFieldOffset(1, iv, 0);
  b.addFieldOffset(2, ov, 0);
  b.addFieldOffset(3, opv, 0);
  const sg = b.endObject();
  const sgv = tableVector([sg]);
  const cv = tableVector(codeOffsets);
  const bv = tableVector(buffers);
  b.startObject(5);
  b.addFieldInt32(0, 3, -1);
  b.addFieldOffset(1, cv, 0);
  b.addFieldOffset(2, sgv, 0);
  b.addFieldOffset(4, bv, 0);
  b.finish(b.endObject(), "TFL3");
  return b.asUint8Array().slice();
}
