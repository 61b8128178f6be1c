// MUL, int8 (TFLM reference_integer_ops::Mul): the product of the two offset inputs, rescaled to the output.
// The second input may be shorter and repeats along the first (a per-feature scale such as a layer norm's gamma).
// params: [n, n2, in1Offset, in2Offset, outOffset, mult, shift, actMin, actMax]
import { clamp, mbqm } from "../fixedpoint";
import { E_SHAPE, OK, S_IN0, S_IN1, S_IN1_ELEMS, S_IN_ELEMS, S_NPARAMS, S_OUT, S_OUT_ELEMS } from "../layout";
import { param, sp, sw } from "../state";

export function prepare(s: usize): i32 {
  if (sp(s, S_IN0) == 0 || sp(s, S_IN1) == 0 || sp(s, S_OUT) == 0 || sw(s, S_NPARAMS) != 9) return E_SHAPE;
  const n = param(s, 0), n2 = param(s, 1);
  if (n != sw(s, S_IN_ELEMS) || n != sw(s, S_OUT_ELEMS) || n2 != sw(s, S_IN1_ELEMS) || n2 <= 0 || n % n2 != 0) return E_SHAPE;
  return OK;
}

export function eval_(s: usize): void {
  const a = sp(s, S_IN0), b = sp(s, S_IN1), out = sp(s, S_OUT);
  const n = param(s, 0), n2 = param(s, 1), o1 = param(s, 2), o2 = param(s, 3), oo = param(s, 4);
  const m = param(s, 5), sh = param(s, 6), actMin = param(s, 7), actMax = param(s, 8);
  for (let i = 0; i < n; i += n2) {
    for (let j = 0; j < n2; j++) {
      const x = <i32>load<i8>(a + <usize>(i + j)) + o1;
      const y = <i32>load<i8>(b + <usize>j) + o2;
      store<i8>(out + <usize>(i + j), <i8>clamp(mbqm(x * y, m, sh) + oo, actMin, actMax));
    }
  }
}
