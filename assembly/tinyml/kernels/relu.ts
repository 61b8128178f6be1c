// RELU and RELU6, int8 (TFLM ReluQuantized): requantize to the output scale, clamp to the activation range.
// params: [n, inZeroPoint, outZeroPoint, mult, shift, actMin, actMax]
import { clamp, mbqm } from "../fixedpoint";
import { E_SHAPE, OK, S_IN0, S_IN_ELEMS, S_NPARAMS, S_OUT, S_OUT_ELEMS } from "../layout";
import { param, sp, sw } from "../state";

export function prepare(s: usize): i32 {
  if (sp(s, S_IN0) == 0 || sp(s, S_OUT) == 0) return E_SHAPE;
  if (sw(s, S_NPARAMS) != 7 || param(s, 0) != sw(s, S_OUT_ELEMS) || sw(s, S_IN_ELEMS) != sw(s, S_OUT_ELEMS)) return E_SHAPE;
  return OK;
}

export function eval_(s: usize): void {
  const input = sp(s, S_IN0), out = sp(s, S_OUT);
  const n = param(s, 0), izp = param(s, 1), ozp = param(s, 2), m = param(s, 3), sh = param(s, 4);
  const actMin = param(s, 5), actMax = param(s, 6);
  for (let i = 0; i < n; i++) {
    store<i8>(out + <usize>i, <i8>clamp(ozp + mbqm(<i32>load<i8>(input + <usize>i) - izp, m, sh), actMin, actMax));
  }
}
