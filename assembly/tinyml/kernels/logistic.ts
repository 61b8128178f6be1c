// LOGISTIC, int8 (TFLM reference_integer_ops::Logistic): the input rescaled to Q4.27, gemmlowp's
// fixed-point logistic, output scale 1/256 with zero point -128; saturated outside the input radius.
// params: [n, inputZeroPoint, inputRangeRadius, inputMultiplier, inputLeftShift]
import { clamp, expOnNegative, mbqm, oneOverOnePlusX, rdbpot } from "../fixedpoint";
import { E_SHAPE, OK, S_IN0, S_IN_ELEMS, S_NPARAMS, S_OUT, S_OUT_ELEMS } from "../layout";
import { param, sp, sw } from "../state";

export function prepare(s: usize): i32 {
  if (sp(s, S_IN0) == 0 || sp(s, S_OUT) == 0) return E_SHAPE;
  if (sw(s, S_NPARAMS) != 5 || param(s, 0) != sw(s, S_OUT_ELEMS) || sw(s, S_IN_ELEMS) != sw(s, S_OUT_ELEMS)) return E_SHAPE;
  return OK;
}

/** gemmlowp logistic of a Q4.27 value, Q0.31 result. */
function logisticQ4(a: i32): i32 {
  if (a == 0) return 1 << 30;
  const positive = a > 0;
  const onPositive = oneOverOnePlusX(expOnNegative(positive ? -a : a, 4));
  return positive ? onPositive : i32.MAX_VALUE - onPositive;
}

export function eval_(s: usize): void {
  const input = sp(s, S_IN0), out = sp(s, S_OUT);
  const n = param(s, 0), zp = param(s, 1), radius = param(s, 2), mult = param(s, 3), shift = param(s, 4);
  for (let i = 0; i < n; i++) {
    const x = <i32>load<i8>(input + <usize>i) - zp;
    let v: i32;
    if (x <= -radius) v = -128;
    else if (x >= radius) v = 127;
    else v = clamp(rdbpot(logisticQ4(mbqm(x, mult, shift)), 23) - 128, -128, 127);
    store<i8>(out + <usize>i, <i8>v);
  }
}
