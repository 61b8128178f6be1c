// SOFTMAX, int8 in and out (TFLM reference_ops::Softmax with gemmlowp fixed point): exp of the
// rescaled difference to the row maximum, a fixed-point reciprocal of the sum, output with zero point -128.
// params: [inputMultiplier, inputLeftShift, diffMin, depth, rows]
import { clamp, rdbpot, satShl, srdhm } from "../fixedpoint";
import { E_SHAPE, OK, S_IN0, S_OUT } from "../layout";
import { param, sp } from "../state";

/** exp(a) for a in [-1/4, 0), Q0.31 in and out. */
function expOnInterval(a: i32): i32 {
  const x = a + (1 << 28);
  const x2 = srdhm(x, x);
  const x3 = srdhm(x2, x);
  const x4 = srdhm(x2, x2);
  const x4over4 = rdbpot(x4, 2);
  const poly = rdbpot(srdhm(x4over4 + x3, 715827883) + x2, 1);
  return 1895147668 + srdhm(1895147668, x + poly);
}

/** exp(a) for a <= 0 given with 5 integer bits; the result in Q0.31. */
function expOnNegative(a: i32): i32 {
  const quarter = 1 << 24;
  const aModQuarterMinusQuarter = (a & (quarter - 1)) - quarter;
  let result = expOnInterval(satShl(aModQuarterMinusQuarter, 5));
  const remainder = aModQuarterMinusQuarter - a;
  if (remainder & (1 << 24)) result = srdhm(result, 1672461947);
  if (remainder & (1 << 25)) result = srdhm(result, 1302514674);
  if (remainder & (1 << 26)) result = srdhm(result, 790015084);
  if (remainder & (1 << 27)) result = srdhm(result, 290630308);
  if (remainder & (1 << 28)) result = srdhm(result, 39332535);
  if (remainder & (1 << 29)) result = srdhm(result, 720401);
  if (remainder & (1 << 30)) result = srdhm(result, 242);
  return a == 0 ? i32.MAX_VALUE : result;
}

/** 1 / (1 + a) for a in [0, 1), Q0.31, by Newton-Raphson in Q2.29. */
function oneOverOnePlusX(a: i32): i32 {
  const sum: i64 = <i64>a + <i64>i32.MAX_VALUE;
  const half = <i32>((sum + (sum >= 0 ? 1 : -1)) / 2);
  let x = 1515870810 + srdhm(half, -1010580540);
  for (let i = 0; i < 3; i++) {
    const hx = srdhm(half, x);
    const oneMinus = (1 << 29) - hx;
    x = x + satShl(srdhm(x, oneMinus), 2);
  }
  return satShl(x, 1);
}

export function prepare(s: usize): i32 {
  if (sp(s, S_IN0) == 0 || sp(s, S_OUT) == 0 || param(s, 3) <= 0) return E_SHAPE;
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
      if (diff >= diffMin) sum += rdbpot(expOnNegative(srdhm(diff << leftShift, mult)), 12);
    }
    const headroom = <i32>clz(sum);
    const bitsOverUnit = 12 - headroom;
    const scale = oneOverOnePlusX((sum << headroom) - i32.MIN_VALUE);
    for (let c = 0; c < depth; c++) {
      const diff = <i32>load<i8>(ip + <usize>c) - maxv;
      let v: i32 = -128;
      if (diff >= diffMin) {
        const e = expOnNegative(srdhm(diff << leftShift, mult));
        v = clamp(rdbpot(srdhm(scale, e), bitsOverUnit + 23) - 128, -128, 127);
      }
      store<i8>(op + <usize>c, <i8>v);
    }
  }
}
