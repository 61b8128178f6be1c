// SOFTMAX, int8 in and out (TFLM reference_ops::Softmax with gemmlowp fixed point): exp of the
// rescaled difference to the row maximum, a fixed-point reciprocal of the sum, output with zero point -128.
// params: [inputMultiplier, inputLeftShift, diffMin, depth, rows]
import { clamp, expOnNegative, oneOverOnePlusX, rdbpot, srdhm } from "../fixedpoint";
import { E_SHAPE, OK, S_IN0, S_IN_ELEMS, S_NPARAMS, S_OUT, S_OUT_ELEMS } from "../layout";
import { param, sp, sw } from "../state";

export function prepare(s: usize): i32 {
  if (sp(s, S_IN0) == 0 || sp(s, S_OUT) == 0 || sw(s, S_NPARAMS) != 5 || param(s, 3) <= 0 || param(s, 4) < 0) return E_SHAPE;
  if (<i64>param(s, 3) * <i64>param(s, 4) != <i64>sw(s, S_IN_ELEMS) || sw(s, S_IN_ELEMS) != sw(s, S_OUT_ELEMS)) return E_SHAPE;
  if (param(s, 1) < 0 || param(s, 1) > 31) return E_SHAPE;
  return OK;
}

export function eval_(s: usize): void {
  const input = sp(s, S_IN0), out = sp(s, S_OUT);
  const mult = param(s, 0), leftShift = param(s, 1), diffMin = param(s, 2), depth = param(s, 3), rows = param(s, 4);
  for (let r = 0; r < rows; r++) {
    const ip = input + <usize>(r * depth);
    const op = out + <usize>(r * depth);
    let maxv: i32 = -128;
    for (let c = 0; c < depth; c++) maxv = max(maxv, <i32>load<i8>(ip + <usize>c));
    let sum: i32 = 0;
    for (let c = 0; c < depth; c++) {
      const diff = <i32>load<i8>(ip + <usize>c) - maxv;
      if (diff >= diffMin) sum += rdbpot(expOnNegative(srdhm(diff << leftShift, mult), 5), 12);
    }
    const headroom = <i32>clz(sum);
    const bitsOverUnit = 12 - headroom;
    const scale = oneOverOnePlusX((sum << headroom) - i32.MIN_VALUE);
    for (let c = 0; c < depth; c++) {
      const diff = <i32>load<i8>(ip + <usize>c) - maxv;
      let v: i32 = -128;
      if (diff >= diffMin) {
        const e = expOnNegative(srdhm(diff << leftShift, mult), 5);
        v = clamp(rdbpot(srdhm(scale, e), bitsOverUnit + 23) - 128, -128, 127);
      }
      store<i8>(op + <usize>c, <i8>v);
    }
  }
}
