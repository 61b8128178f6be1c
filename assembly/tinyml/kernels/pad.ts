// PAD, int8, constant padding with the output zero point (TFLM Pad for int8, up to 4-D).
// params: [padValue, before[4], after[4]] (NHWC, leading dims padded with 0)
import { E_SHAPE, OK, S_IN0, S_IN_DIMS, S_NPARAMS, S_OUT, S_OUT_DIMS } from "../layout";
import { param, sp, sw } from "../state";

export function prepare(s: usize): i32 {
  if (sp(s, S_IN0) == 0 || sp(s, S_OUT) == 0 || sw(s, S_NPARAMS) != 9) return E_SHAPE;
  for (let d = 0; d < 4; d++) {
    const before = param(s, 1 + d), after = param(s, 5 + d);
    if (before < 0 || after < 0 || sw(s, S_IN_DIMS + d) + before + after != sw(s, S_OUT_DIMS + d)) return E_SHAPE;
  }
  return OK;
}

export function eval_(s: usize): void {
  const input = sp(s, S_IN0), out = sp(s, S_OUT);
  const value = <u8>param(s, 0);
  const ih = sw(s, S_IN_DIMS + 1), iw = sw(s, S_IN_DIMS + 2), ic = sw(s, S_IN_DIMS + 3);
  const on = sw(s, S_OUT_DIMS), oh = sw(s, S_OUT_DIMS + 1), ow = sw(s, S_OUT_DIMS + 2), oc = sw(s, S_OUT_DIMS + 3);
  const bn = param(s, 1), bh = param(s, 2), bw = param(s, 3), bc = param(s, 4);
  let op = out;
  for (let n = 0; n < on; n++) {
    const inN = n - bn;
    for (let y = 0; y < oh; y++) {
      const inY = y - bh;
      for (let x = 0; x < ow; x++) {
        const inX = x - bw;
        if (inN < 0 || inN >= sw(s, S_IN_DIMS) || inY < 0 || inY >= ih || inX < 0 || inX >= iw) {
          memory.fill(op, value, <usize>oc);
        } else {
          // One row of channels: padding before, the input's channels, padding after.
          memory.fill(op, value, <usize>bc);
          memory.copy(op + <usize>bc, input + <usize>(((inN * ih + inY) * iw + inX) * ic), <usize>ic);
          memory.fill(op + <usize>(bc + ic), value, <usize>(oc - bc - ic));
        }
        op += <usize>oc;
      }
    }
  }
}
