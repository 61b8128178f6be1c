// Post-training int8 quantization of the float encoder: activation ranges from a calibration set (min/max of
// each tensor over its float forward passes), weights symmetric per tensor, biases int32 at input x weight
// scale, the 1/sqrt(D) of the attention folded into Wq and bq, mean pooling folded into the heads' weights.
import type { TinyTensor } from "../../test/tinyml/tflite-builder.ts";
import { forward, type Dims, type Params, type Trace } from "./float-model.ts";
import { TENSORS, type TensorName } from "./graph.ts";

interface Q { scale: number; zeroPoint: number }

/** Asymmetric int8 for a range that must hold 0; scales are float32 as the file stores them. */
function rangeQuant(lo: number, hi: number): Q {
  lo = Math.min(lo, 0);
  hi = Math.max(hi, 0);
  const scale = Math.fround(Math.max(hi - lo, 1e-6) / 255);
  return { scale, zeroPoint: Math.max(-128, Math.min(127, Math.round(-128 - lo / scale))) };
}

function symmetric(w: ArrayLike<number>): { scale: number; codes: Int8Array } {
  let max = 0;
  for (let i = 0; i < w.length; i++) max = Math.max(max, Math.abs(w[i]!));
  const scale = Math.fround(Math.max(max, 1e-8) / 127);
  return { scale, codes: Int8Array.from(w as ArrayLike<number>, (v) => Math.max(-127, Math.min(127, Math.round(v / scale)))) };
}

const asBytes = (a: Int8Array | Int32Array | Float32Array): Uint8Array => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

export function quantize(dims: Dims, p: Params, calibration: Int8Array[]): TinyTensor[] {
  const { seq: S, d: D, ff: F } = dims;
  const H = dims.actions + dims.targets;
  const attn = 1 / Math.sqrt(D);
  // Float weights as the int8 graph uses them.
  const Wq = p.Wq.map((w) => w * attn), bq = p.bq.map((b) => b * attn);
  const Wh = new Float32Array(H * S * D);
  for (let o = 0; o < H; o++) for (let t = 0; t < S; t++) for (let j = 0; j < D; j++) Wh[o * S * D + t * D + j] = p.Wh[o * D + j]! / S;

  // Activation ranges over the calibration set (q is the scaled q; s already carries 1/sqrt(D)).
  const lo = new Map<string, number>(), hi = new Map<string, number>();
  const see = (name: string, xs: ArrayLike<number>, factor = 1): void => {
    let a = lo.get(name) ?? Infinity, b = hi.get(name) ?? -Infinity;
    for (let i = 0; i < xs.length; i++) { a = Math.min(a, xs[i]! * factor); b = Math.max(b, xs[i]! * factor); }
    lo.set(name, a); hi.set(name, b);
  };
  for (const ids of calibration) {
    const tr: Trace = forward(dims, p, ids);
    see("q", tr.q, attn);
    for (const n of ["x", "k", "v", "s", "c", "r1", "h", "u", "g", "f", "r2", "z"] as const) see(n, tr[n]);
  }
  const act = (name: string): Q => rangeQuant(lo.get(name)!, hi.get(name)!);

  const out: Partial<Record<TensorName, TinyTensor>> = {};
  // The embedding table keeps an asymmetric range: GATHER's output carries the table's quantization.
  let eLo = Infinity, eHi = -Infinity;
  p.E.forEach((v) => { eLo = Math.min(eLo, v); eHi = Math.max(eHi, v); });
  const eq = rangeQuant(eLo, eHi);
  const codes = (w: ArrayLike<number>, q: Q): Int8Array => Int8Array.from(w as ArrayLike<number>, (v) => Math.max(-128, Math.min(127, Math.round(v / q.scale) + q.zeroPoint)));
  out.ids = { shape: [S], scale: 1, zeroPoint: 0 };
  out.E = { shape: [dims.vocab, D], ...eq, data: asBytes(codes(p.E, eq)) };
  out.e = { shape: [S, D], ...eq };
  let pLo = Infinity, pHi = -Infinity;
  p.P.forEach((v) => { pLo = Math.min(pLo, v); pHi = Math.max(pHi, v); });
  const pq = rangeQuant(pLo, pHi);
  out.P = { shape: [S, D], ...pq, data: asBytes(codes(p.P, pq)) };
  out.x = { shape: [S, D], ...act("x") };

  const linear = (w: TensorName, b: TensorName, y: TensorName, input: TensorName, wf: Float32Array, bf: Float32Array, rows: number, cols: number, outShape: number[]): void => {
    const sw = symmetric(wf);
    const si = out[input]!.scale!;
    const biasScale = Math.fround(Math.fround(si) * sw.scale);
    out[w] = { shape: [rows, cols], scale: sw.scale, zeroPoint: 0, data: asBytes(sw.codes) };
    out[b] = { shape: [rows], type: 2, scale: biasScale, zeroPoint: 0, data: asBytes(Int32Array.from(bf, (v) => Math.round(v / biasScale))) };
    out[y] = { shape: outShape, ...act(y) };
  };
  linear("Wq", "bq", "q", "x", Wq, bq, D, D, [S, D]);
  linear("Wk", "bk", "k", "x", p.Wk, p.bk, D, D, [S, D]);
  linear("Wv", "bv", "v", "x", p.Wv, p.bv, D, D, [S, D]);
  out.s = { shape: [S, S], ...act("s") };
  out.a = { shape: [S, S], scale: 1 / 256, zeroPoint: -128 };
  out.c = { shape: [S, D], ...act("c") };
  out.r1 = { shape: [S, D], ...act("r1") };
  out.g1 = { shape: [D], type: 0, data: asBytes(Float32Array.from(p.g1)) };
  out.be1 = { shape: [D], type: 0, data: asBytes(Float32Array.from(p.be1)) };
  out.h = { shape: [S, D], ...act("h") };
  linear("W1", "b1", "u", "h", p.W1, p.b1, F, D, [S, F]);
  out.g = { shape: [S, F], ...act("g") };
  linear("W2", "b2", "f", "g", p.W2, p.b2, D, F, [S, D]);
  out.r2 = { shape: [S, D], ...act("r2") };
  linear("Wh", "bh", "z", "r2", Wh, p.bh, H, S * D, [1, H]);
  return TENSORS.map((n) => out[n]!);
}
