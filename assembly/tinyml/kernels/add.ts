// ADD, int8, same shapes (TFLM reference_integer_ops::AddElementwise): both inputs rescaled to a common
// scale with 20 bits of headroom, summed, rescaled to the output.
// params: [in1Offset, in2Offset, outOffset, leftShift, m1, s1, m2, s2, mOut, sOut, actMin, actMax]
import { clamp, mbqm } from "../fixedpoint";
import { E_SHAPE, OK, S_IN0, S_IN1, S_IN1_ELEMS, S_IN_DIMS, S_IN_ELEMS, S_NPARAMS, S_OUT, S_OUT_ELEMS } from "../layout";
import { param, sp, sw } from "../state";

export function prepare(s: usize): i32 {
  if (sp(s, S_IN0) == 0 || sp(s, S_IN1) == 0 || sp(s, S_OUT) == 0 || sw(s, S_NPARAMS) != 12) return E_SHAPE;
  // Same shapes only (no broadcasting); the left shift keeps the scaled inputs within int32.
  if (sw(s, S_IN_ELEMS) != sw(s, S_OUT_ELEMS) || sw(s, S_IN1_ELEMS) != sw(s, S_OUT_ELEMS) || param(s, 3) < 0 || param(s, 3) > 22) return E_SHAPE;
  return OK;
}

export function eval_(s: usize): void {
  const a = sp(s, S_IN0), b = sp(s, S_IN1), out = sp(s, S_OUT);
  const n = sw(s, S_IN_DIMS) * sw(s, S_IN_DIMS + 1) * sw(s, S_IN_DIMS + 2) * sw(s, S_IN_DIMS + 3);
  const o1 = param(s, 0), o2 = param(s, 1), oo = param(s, 2), ls = param(s, 3);
  const m1 = param(s, 4), s1 = param(s, 5), m2 = param(s, 6), s2 = param(s, 7), mo = param(s, 8), so = param(s, 9);
  const actMin = param(s, 10), actMax = param(s, 11);
  for (let i = 0; i < n; i++) {
    const x = mbqm((<i32>load<i8>(a + <usize>i) + o1) << ls, m1, s1);
    const y = mbqm((<i32>load<i8>(b + <usize>i) + o2) << ls, m2, s2);
    store<i8>(out + <usize>i, <i8>clamp(mbqm(x + y, mo, so) + oo, actMin, actMax));
  }
}
