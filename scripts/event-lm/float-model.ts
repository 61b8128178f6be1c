// The float encoder and its hand-written backward pass: token + position embedding, one single-head attention
// block (Q/K/V projections, softmax of Q K^T / sqrt(D), residual, layer norm), a GELU feed-forward with
// residual, mean pooling over the tokens and one linear layer holding both heads (action logits, then target
// logits). Weights are float32 arrays; a linear layer's weights are [out][in], as a TFLite FULLY_CONNECTED's.
import { erf } from "../../host/tinyml/compile.ts";
import { Rng } from "./corpus.ts";

export interface Dims {
  vocab: number;
  seq: number;
  d: number;
  ff: number;
  actions: number;
  targets: number;
}

export const PARAM_NAMES = ["E", "P", "Wq", "bq", "Wk", "bk", "Wv", "bv", "g1", "be1", "W1", "b1", "W2", "b2", "Wh", "bh"] as const;
export type ParamName = (typeof PARAM_NAMES)[number];
export type Params = Record<ParamName, Float32Array>;

export const LN_EPS = 1e-5;

function sizes(m: Dims): Record<ParamName, number> {
  const { vocab, seq, d, ff } = m, h = m.actions + m.targets;
  return { E: vocab * d, P: seq * d, Wq: d * d, bq: d, Wk: d * d, bk: d, Wv: d * d, bv: d, g1: d, be1: d, W1: ff * d, b1: ff, W2: d * ff, b2: d, Wh: h * d, bh: h };
}

/** Seeded initial weights: uniform in +-1/sqrt(fan-in) for linear layers, +-0.5 for embeddings, gamma 1, biases 0. */
export function initParams(m: Dims, rng: Rng): Params {
  const n = sizes(m);
  const fanIn: Partial<Record<ParamName, number>> = { Wq: m.d, Wk: m.d, Wv: m.d, W1: m.d, W2: m.ff, Wh: m.d };
  const p = {} as Params;
  for (const name of PARAM_NAMES) {
    const a = new Float32Array(n[name]);
    const fan = fanIn[name];
    if (name === "E" || name === "P") a.forEach((_, i) => (a[i] = (rng.next() * 2 - 1) * 0.5));
    else if (fan) a.forEach((_, i) => (a[i] = ((rng.next() * 2 - 1) / Math.sqrt(fan))));
    else if (name === "g1") a.fill(1);
    p[name] = a;
  }
  return p;
}

export const gelu = (x: number): number => 0.5 * x * (1 + erf(x / Math.SQRT2));
const geluGrad = (x: number): number => 0.5 * (1 + erf(x / Math.SQRT2)) + (x * Math.exp(-0.5 * x * x)) / Math.sqrt(2 * Math.PI);

/** Every intermediate of one forward pass (the calibration reads them too). */
export interface Trace {
  ids: Int8Array;
  x: Float64Array; q: Float64Array; k: Float64Array; v: Float64Array; s: Float64Array; a: Float64Array; c: Float64Array;
  r1: Float64Array; n: Float64Array; inv: Float64Array; h: Float64Array; u: Float64Array; g: Float64Array; f: Float64Array;
  r2: Float64Array; z: Float64Array;
}

/** y[t][o] = sum_i x[t][i] w[o][i] + b[o] */
function linear(x: Float64Array, rows: number, inDim: number, w: Float32Array, b: Float32Array, outDim: number): Float64Array {
  const y = new Float64Array(rows * outDim);
  for (let t = 0; t < rows; t++)
    for (let o = 0; o < outDim; o++) {
      let acc = b[o]!;
      for (let i = 0; i < inDim; i++) acc += x[t * inDim + i]! * w[o * inDim + i]!;
      y[t * outDim + o] = acc;
    }
  return y;
}

/** Accumulates dW, db and returns dx of linear(). */
function linearBack(dy: Float64Array, x: Float64Array, rows: number, inDim: number, w: Float32Array, outDim: number, dw: Float64Array, db: Float64Array): Float64Array {
  const dx = new Float64Array(rows * inDim);
  for (let t = 0; t < rows; t++)
    for (let o = 0; o < outDim; o++) {
      const g = dy[t * outDim + o]!;
      if (g === 0) continue;
      db[o] += g;
      for (let i = 0; i < inDim; i++) {
        dw[o * inDim + i] += g * x[t * inDim + i]!;
        dx[t * inDim + i] += g * w[o * inDim + i]!;
      }
    }
  return dx;
}

export function forward(m: Dims, p: Params, ids: Int8Array): Trace {
  const { seq: T, d: D, ff: F } = m;
  const x = new Float64Array(T * D);
  for (let t = 0; t < T; t++) for (let j = 0; j < D; j++) x[t * D + j] = p.E[ids[t]! * D + j]! + p.P[t * D + j]!;
  const q = linear(x, T, D, p.Wq, p.bq, D), k = linear(x, T, D, p.Wk, p.bk, D), v = linear(x, T, D, p.Wv, p.bv, D);
  const scale = 1 / Math.sqrt(D);
  const s = new Float64Array(T * T), a = new Float64Array(T * T);
  for (let t = 0; t < T; t++) {
    let max = -Infinity;
    for (let u = 0; u < T; u++) {
      let acc = 0;
      for (let j = 0; j < D; j++) acc += q[t * D + j]! * k[u * D + j]!;
      s[t * T + u] = acc * scale;
      max = Math.max(max, acc * scale);
    }
    let sum = 0;
    for (let u = 0; u < T; u++) sum += (a[t * T + u] = Math.exp(s[t * T + u]! - max));
    for (let u = 0; u < T; u++) a[t * T + u]! /= sum;
  }
  const c = new Float64Array(T * D);
  for (let t = 0; t < T; t++) for (let u = 0; u < T; u++) for (let j = 0; j < D; j++) c[t * D + j] += a[t * T + u]! * v[u * D + j]!;
  const r1 = x.map((xv, i) => xv + c[i]!);
  const n = new Float64Array(T * D), inv = new Float64Array(T), h = new Float64Array(T * D);
  for (let t = 0; t < T; t++) {
    let mean = 0, vr = 0;
    for (let j = 0; j < D; j++) mean += r1[t * D + j]!;
    mean /= D;
    for (let j = 0; j < D; j++) vr += (r1[t * D + j]! - mean) ** 2;
    inv[t] = 1 / Math.sqrt(vr / D + LN_EPS);
    for (let j = 0; j < D; j++) {
      n[t * D + j] = (r1[t * D + j]! - mean) * inv[t]!;
      h[t * D + j] = n[t * D + j]! * p.g1[j]! + p.be1[j]!;
    }
  }
  const u = linear(h, T, D, p.W1, p.b1, F);
  const g = u.map(gelu);
  const f = linear(g, T, F, p.W2, p.b2, D);
  const r2 = h.map((hv, i) => hv + f[i]!);
  const pooled = new Float64Array(D);
  for (let t = 0; t < T; t++) for (let j = 0; j < D; j++) pooled[j] += r2[t * D + j]! / T;
  const z = linear(pooled, 1, D, p.Wh, p.bh, m.actions + m.targets);
  return { ids, x, q, k, v, s, a, c, r1, n, inv, h, u, g, f, r2, z };
}

function softmaxOf(z: Float64Array, from: number, to: number): Float64Array {
  const max = Math.max(...z.subarray(from, to));
  const e = z.subarray(from, to).map((v) => Math.exp(v - max));
  const sum = e.reduce((x, y) => x + y, 0);
  return e.map((v) => v / sum);
}

export type Grads = Record<ParamName, Float64Array>;
export function zeroGrads(p: Params): Grads {
  const g = {} as Grads;
  for (const name of PARAM_NAMES) g[name] = new Float64Array(p[name].length);
  return g;
}

/** Adds the gradient of cross-entropy(action) + cross-entropy(target) for one example to `gr`; returns the loss. */
export function backward(m: Dims, p: Params, tr: Trace, action: number, target: number, gr: Grads): number {
  const { seq: T, d: D, ff: F, actions: A } = m;
  const H = A + m.targets;
  const pa = softmaxOf(tr.z, 0, A), pt = softmaxOf(tr.z, A, H);
  const loss = -Math.log(pa[action]! + 1e-12) - Math.log(pt[target]! + 1e-12);
  const dz = new Float64Array(H);
  for (let o = 0; o < A; o++) dz[o] = pa[o]! - (o === action ? 1 : 0);
  for (let o = 0; o < m.targets; o++) dz[A + o] = pt[o]! - (o === target ? 1 : 0);
  const pooled = new Float64Array(D);
  for (let t = 0; t < T; t++) for (let j = 0; j < D; j++) pooled[j] += tr.r2[t * D + j]! / T;
  const dPooled = linearBack(dz, pooled, 1, D, p.Wh, H, gr.Wh, gr.bh);
  const dr2 = new Float64Array(T * D);
  for (let t = 0; t < T; t++) for (let j = 0; j < D; j++) dr2[t * D + j] = dPooled[j]! / T;
  const dg = linearBack(dr2, tr.g, T, F, p.W2, D, gr.W2, gr.b2);
  const du = dg.map((v, i) => v * geluGrad(tr.u[i]!));
  const dh = linearBack(du, tr.h, T, D, p.W1, F, gr.W1, gr.b1);
  for (let i = 0; i < T * D; i++) dh[i] += dr2[i]!;
  // Layer norm: dr1 = inv * (dn - mean(dn) - n * mean(dn * n)).
  const dr1 = new Float64Array(T * D);
  for (let t = 0; t < T; t++) {
    let m1 = 0, m2 = 0;
    for (let j = 0; j < D; j++) {
      const i = t * D + j, dn = dh[i]! * p.g1[j]!;
      gr.g1[j] += dh[i]! * tr.n[i]!;
      gr.be1[j] += dh[i]!;
      m1 += dn;
      m2 += dn * tr.n[i]!;
    }
    m1 /= D; m2 /= D;
    for (let j = 0; j < D; j++) {
      const i = t * D + j;
      dr1[i] = tr.inv[t]! * (dh[i]! * p.g1[j]! - m1 - tr.n[i]! * m2);
    }
  }
  // Attention: c = a v, a = softmax(s), s = q k^T / sqrt(D).
  const da = new Float64Array(T * T), dv = new Float64Array(T * D);
  for (let t = 0; t < T; t++)
    for (let u = 0; u < T; u++)
      for (let j = 0; j < D; j++) {
        da[t * T + u] += dr1[t * D + j]! * tr.v[u * D + j]!;
        dv[u * D + j] += tr.a[t * T + u]! * dr1[t * D + j]!;
      }
  const ds = new Float64Array(T * T);
  for (let t = 0; t < T; t++) {
    let dot = 0;
    for (let u = 0; u < T; u++) dot += tr.a[t * T + u]! * da[t * T + u]!;
    for (let u = 0; u < T; u++) ds[t * T + u] = tr.a[t * T + u]! * (da[t * T + u]! - dot);
  }
  const scale = 1 / Math.sqrt(D);
  const dq = new Float64Array(T * D), dk = new Float64Array(T * D);
  for (let t = 0; t < T; t++)
    for (let u = 0; u < T; u++) {
      const g = ds[t * T + u]! * scale;
      for (let j = 0; j < D; j++) {
        dq[t * D + j] += g * tr.k[u * D + j]!;
        dk[u * D + j] += g * tr.q[t * D + j]!;
      }
    }
  const dx = dr1.slice();
  for (const [dy, w, dw, db] of [[dq, p.Wq, gr.Wq, gr.bq], [dk, p.Wk, gr.Wk, gr.bk], [dv, p.Wv, gr.Wv, gr.bv]] as const) {
    const back = linearBack(dy, tr.x, T, D, w, D, dw, db);
    for (let i = 0; i < T * D; i++) dx[i] += back[i]!;
  }
  for (let t = 0; t < T; t++)
    for (let j = 0; j < D; j++) {
      gr.E[tr.ids[t]! * D + j] += dx[t * D + j]!;
      gr.P[t * D + j] += dx[t * D + j]!;
    }
  return loss;
}

/** Adam over every parameter; the state lives beside the weights. */
export class Adam {
  private readonly m: Grads;
  private readonly v: Grads;
  private step = 0;
  constructor(p: Params, private readonly lr: number, private readonly b1 = 0.9, private readonly b2 = 0.999, private readonly eps = 1e-8) {
    this.m = zeroGrads(p);
    this.v = zeroGrads(p);
  }
  apply(p: Params, g: Grads, batch: number): void {
    this.step++;
    const c1 = 1 - this.b1 ** this.step, c2 = 1 - this.b2 ** this.step;
    for (const name of PARAM_NAMES) {
      const w = p[name], gm = g[name], m = this.m[name], v = this.v[name];
      for (let i = 0; i < w.length; i++) {
        const gi = gm[i]! / batch;
        m[i] = this.b1 * m[i]! + (1 - this.b1) * gi;
        v[i] = this.b2 * v[i]! + (1 - this.b2) * gi * gi;
        w[i] = w[i]! - (this.lr * (m[i]! / c1)) / (Math.sqrt(v[i]! / c2) + this.eps);
      }
    }
  }
}

/** argmax of the action logits and of the target logits. */
export function decide(z: ArrayLike<number>, actions: number, targets: number): { action: number; target: number } {
  let action = 0, target = 0;
  for (let o = 1; o < actions; o++) if (z[o]! > z[action]!) action = o;
  for (let o = 1; o < targets; o++) if (z[actions + o]! > z[actions + target]!) target = o;
  return { action, target };
}
