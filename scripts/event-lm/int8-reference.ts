// The event model's int8 graph computed in TypeScript from the file's own scales, zero points and codes, by
// TFLM's integer rules (the gemmlowp multipliers of quant.ts), independent of the compiler and of the core:
// what the core's output is checked against bit for bit.
import { geluReal } from "../../host/tinyml/compile.ts";
import { expOnNegative, oneOverOnePlusXQ0 } from "../../host/tinyml/npu/kernels.ts";
import { isqrt, mbqm, quantizeMultiplier, rdbpot, roundAway, srdhm } from "../../host/tinyml/quant.ts";
import type { TinyTensor } from "../../test/tinyml/tflite-builder.ts";
import { T, type TensorName } from "./graph.ts";

const clamp8 = (v: number): number => (v < -128 ? -128 : v > 127 ? 127 : v);
const i8 = (t: TinyTensor): Int8Array => new Int8Array(t.data!.buffer, t.data!.byteOffset, t.data!.length);
const i32 = (t: TinyTensor): Int32Array => new Int32Array(t.data!.slice().buffer);
const f32 = (t: TinyTensor): Float32Array => new Float32Array(t.data!.slice().buffer);

export function referenceInvoke(g: TinyTensor[], ids: Int8Array): Int8Array {
  const t = (n: TensorName): TinyTensor => g[T[n]]!;
  const q = (n: TensorName): [number, number] => [t(n).scale!, t(n).zeroPoint!];
  const D = t("E").shape[1]!, S = t("ids").shape[0]!;

  // GATHER: a row per token; an id off the table gives the zero-point row.
  const table = i8(t("E")), rows = t("E").shape[0]!;
  const e = new Int8Array(S * D);
  for (let i = 0; i < S; i++) for (let j = 0; j < D; j++) e[i * D + j] = ids[i]! >= 0 && ids[i]! < rows ? table[ids[i]! * D + j]! : t("E").zeroPoint!;

  // ADD: both sides to a common scale with 20 bits of headroom, TFLM's int8 Add.
  const add = (a: Int8Array, qa: [number, number], b: Int8Array, qb: [number, number], qo: [number, number]): Int8Array => {
    const twice = 2 * Math.max(qa[0], qb[0]);
    const m1 = quantizeMultiplier(qa[0] / twice), m2 = quantizeMultiplier(qb[0] / twice), mo = quantizeMultiplier(twice / (2 ** 20 * qo[0]));
    return a.map((av, i) => {
      const sum = mbqm((av - qa[1]) * 2 ** 20, m1.multiplier, m1.shift) + mbqm((b[i]! - qb[1]) * 2 ** 20, m2.multiplier, m2.shift);
      return clamp8(mbqm(sum, mo.multiplier, mo.shift) + qo[1]);
    });
  };
  // FULLY_CONNECTED, per-tensor weights: the two float32 scales multiplied in float32, as TFLM does.
  const fc = (x: Int8Array, input: TensorName, w: TensorName, b: TensorName, y: TensorName): Int8Array => {
    const [units, depth] = t(w).shape as [number, number];
    const wc = i8(t(w)), bias = i32(t(b)), [si, zi] = q(input), [so, zo] = q(y);
    const m = quantizeMultiplier(Math.fround(Math.fround(si) * Math.fround(t(w).scale!)) / so);
    const batches = x.length / depth, out = new Int8Array(batches * units);
    for (let r = 0; r < batches; r++)
      for (let u = 0; u < units; u++) {
        let acc = bias[u]!;
        for (let d = 0; d < depth; d++) acc += (x[r * depth + d]! - zi) * wc[u * depth + d]!;
        out[r * units + u] = clamp8(mbqm(acc, m.multiplier, m.shift) + zo);
      }
    return out;
  };
  // BATCH_MATMUL of two [M,K]/[K,N] (or [N,K] with adj_y) activations.
  const matmul = (l: Int8Array, ln: TensorName, r: Int8Array, rn: TensorName, y: TensorName, M: number, K: number, N: number, adjY: boolean): Int8Array => {
    const [sl, zl] = q(ln), [sr, zr] = q(rn), [so, zo] = q(y);
    const m = quantizeMultiplier((sl * sr) / so);
    const out = new Int8Array(M * N);
    for (let i = 0; i < M; i++)
      for (let j = 0; j < N; j++) {
        let acc = 0;
        for (let k = 0; k < K; k++) acc += (l[i * K + k]! - zl) * (r[adjY ? j * K + k : k * N + j]! - zr);
        out[i * N + j] = clamp8(mbqm(acc, m.multiplier, m.shift) + zo);
      }
    return out;
  };
  // SOFTMAX (beta 1), TFLM's int8 form: differences from the row max in Q5.26, exp in Q0.31, sum in Q12.19.
  const softmax = (x: Int8Array, n: TensorName, depth: number): Int8Array => {
    const m = quantizeMultiplier(Math.min(q(n)[0] * 2 ** 26, 2 ** 31 - 1));
    const diffMin = -Math.floor((31 * 2 ** 26) / 2 ** m.shift);
    const exp = (diff: number): number => expOnNegative(srdhm(diff * 2 ** m.shift, m.multiplier), 5);
    const out = new Int8Array(x.length);
    for (let r = 0; r < x.length / depth; r++) {
      const row = x.subarray(r * depth, (r + 1) * depth);
      const max = Math.max(...row);
      let sum = 0;
      for (const v of row) if (v - max >= diffMin) sum = (sum + rdbpot(exp(v - max), 12)) | 0;
      const headroom = Math.clz32(sum);
      const recip = oneOverOnePlusXQ0(((sum << headroom) - 0x80000000) | 0);
      row.forEach((v, c) => {
        out[r * depth + c] = v - max >= diffMin ? clamp8(rdbpot(srdhm(recip, exp(v - max)), 12 - headroom + 23) - 128) : -128;
      });
    }
    return out;
  };
  // LAYER_NORM (COLONY_LAYER_NORM): centred integer sums, exact integer square root, Q11 normalised value.
  const layerNorm = (x: Int8Array): Int8Array => {
    const [si, zi] = q("r1"), [so, zo] = q("h");
    const gamma = f32(t("g1")), beta = f32(t("be1")), depth = BigInt(D);
    const epsQ = BigInt(Math.min(2 ** 31 - 1, Math.round((1e-5 / (si * si)) * D * D)));
    const out = new Int8Array(x.length);
    for (let r = 0; r < S; r++) {
      const xs = Array.from(x.subarray(r * D, (r + 1) * D), (v) => BigInt(v - zi));
      const s1 = xs.reduce((a, b) => a + b, 0n), s2 = xs.reduce((a, b) => a + b * b, 0n);
      const root = isqrt(depth * s2 - s1 * s1 + epsQ);
      xs.forEach((v, i) => {
        const c = (depth * v - s1) << 11n;
        const n = root === 0n ? 0n : c >= 0n ? (c + root / 2n) / root : -((-c + root / 2n) / root);
        const m = quantizeMultiplier(gamma[i]! / (so * 2048));
        out[r * D + i] = clamp8(mbqm(Number(n), m.multiplier, m.shift) + roundAway(beta[i]! / so) + zo);
      });
    }
    return out;
  };
  // GELU (exact erf form): the real function of each code, rounded to the output's.
  const gelu = (x: Int8Array): Int8Array => {
    const [si, zi] = q("u"), [so, zo] = q("g");
    return x.map((v) => clamp8(roundAway(geluReal(si * (v - zi), false) / so) + zo));
  };

  const x = add(e, q("E"), i8(t("P")), q("P"), q("x"));
  const qv = fc(x, "x", "Wq", "bq", "q"), kv = fc(x, "x", "Wk", "bk", "k"), vv = fc(x, "x", "Wv", "bv", "v");
  const a = softmax(matmul(qv, "q", kv, "k", "s", S, D, S, true), "s", S);
  const c = matmul(a, "a", vv, "v", "c", S, S, D, false);
  const h = layerNorm(add(x, q("x"), c, q("c"), q("r1")));
  const f = fc(gelu(fc(h, "h", "W1", "b1", "u")), "g", "W2", "b2", "f");
  return fc(add(h, q("h"), f, q("f"), q("r2")), "r2", "Wh", "bh", "z");
}

/** Logits dequantized with the output's scale and zero point. */
export function dequantizeLogits(g: TinyTensor[], z: Int8Array): number[] {
  const o = g[T.z]!;
  return Array.from(z, (v) => o.scale! * (v - o.zeroPoint!));
}
