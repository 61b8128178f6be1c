// FULLY_CONNECTED, int8 (TFLM reference_integer_ops::FullyConnected, per tensor or per channel).
// params: [inOffset, filterOffset, outOffset, actMin, actMax, C, batches, depth, units, mult[C], shift[C], folded[units]]
// folded[u] = bias[u] + inOffset * sum(weights[u]) (weights are symmetric, filterOffset 0): the loop is a plain
// dot product, four units at a time so each input byte is loaded once.
import { clamp, mbqm } from "../fixedpoint";
import { E_SHAPE, OK, S_IN0, S_IN1, S_IN1_ELEMS, S_IN_ELEMS, S_NPARAMS, S_OUT, S_OUT_ELEMS } from "../layout";
import { param, paramAt, sp, sw } from "../state";

export function prepare(s: usize): i32 {
  if (sp(s, S_IN0) == 0 || sp(s, S_IN1) == 0 || sp(s, S_OUT) == 0 || sw(s, S_NPARAMS) < 9 || param(s, 1) != 0) return E_SHAPE;
  const m = param(s, 5), batches = <i64>param(s, 6), depth = <i64>param(s, 7), units = param(s, 8);
  if ((m != 1 && m != units) || sw(s, S_NPARAMS) != 9 + 2 * m + units) return E_SHAPE;
  if (batches * depth != <i64>sw(s, S_IN_ELEMS) || batches * units != <i64>sw(s, S_OUT_ELEMS) || depth * units != <i64>sw(s, S_IN1_ELEMS)) return E_SHAPE;
  return OK;
}

export function eval_(s: usize): void {
  const input = sp(s, S_IN0);
  const filter = sp(s, S_IN1);
  const out = sp(s, S_OUT);
  const outOff = param(s, 2), actMin = param(s, 3), actMax = param(s, 4);
  const channels = param(s, 5), batches = param(s, 6), depth = param(s, 7), units = param(s, 8);
  const mults = paramAt(s, 9);
  const shifts = paramAt(s, 9 + channels);
  const folded = paramAt(s, 9 + 2 * channels);
  const chStep: usize = channels > 1 ? 4 : 0;
  const d = <usize>depth;
  for (let b = 0; b < batches; b++) {
    const ip = input + <usize>(b * depth);
    const op = out + <usize>(b * units);
    let u = 0;
    for (; u + 4 <= units; u += 4) {
      const f0 = filter + <usize>u * d;
      const f1 = f0 + d, f2 = f1 + d, f3 = f2 + d;
      let a0: i32 = 0, a1: i32 = 0, a2: i32 = 0, a3: i32 = 0;
      for (let k: usize = 0; k < d; k++) {
        const x = <i32>load<i8>(ip + k);
        a0 += x * <i32>load<i8>(f0 + k);
        a1 += x * <i32>load<i8>(f1 + k);
        a2 += x * <i32>load<i8>(f2 + k);
        a3 += x * <i32>load<i8>(f3 + k);
      }
      store<i8>(op + <usize>u, <i8>requant(a0, u, folded, mults, shifts, chStep, outOff, actMin, actMax));
      store<i8>(op + <usize>u + 1, <i8>requant(a1, u + 1, folded, mults, shifts, chStep, outOff, actMin, actMax));
      store<i8>(op + <usize>u + 2, <i8>requant(a2, u + 2, folded, mults, shifts, chStep, outOff, actMin, actMax));
      store<i8>(op + <usize>u + 3, <i8>requant(a3, u + 3, folded, mults, shifts, chStep, outOff, actMin, actMax));
    }
    for (; u < units; u++) {
      const f0 = filter + <usize>u * d;
      let a0: i32 = 0;
      for (let k: usize = 0; k < d; k++) a0 += <i32>load<i8>(ip + k) * <i32>load<i8>(f0 + k);
      store<i8>(op + <usize>u, <i8>requant(a0, u, folded, mults, shifts, chStep, outOff, actMin, actMax));
    }
  }
}

// @ts-ignore: decorator
@inline function requant(acc: i32, u: i32, folded: usize, mults: usize, shifts: usize, chStep: usize, outOff: i32, actMin: i32, actMax: i32): i32 {
  const ch = <usize>u * chStep;
  return clamp(mbqm(acc + load<i32>(folded + (<usize>u << 2)), load<i32>(mults + ch), load<i32>(shifts + ch)) + outOff, actMin, actMax);
}
