// The window walk shared by AVERAGE_POOL_2D and MAX_POOL_2D (TFLM reference_integer_ops pooling).
// params: [strideW, strideH, filterW, filterH, padW, padH, actMin, actMax]
import { clamp } from "../fixedpoint";
import { E_SHAPE, OK, S_IN0, S_IN_DIMS, S_NPARAMS, S_OUT, S_OUT_DIMS } from "../layout";
import { param, sp, sw } from "../state";

export function preparePool(s: usize): i32 {
  if (sp(s, S_IN0) == 0 || sp(s, S_OUT) == 0) return E_SHAPE;
  if (sw(s, S_IN_DIMS + 3) != sw(s, S_OUT_DIMS + 3) || sw(s, S_IN_DIMS) != sw(s, S_OUT_DIMS) || sw(s, S_NPARAMS) != 8) return E_SHAPE;
  if (param(s, 0) < 1 || param(s, 1) < 1 || param(s, 2) < 1 || param(s, 3) < 1) return E_SHAPE;
  return OK;
}

export function evalPool(s: usize, isMax: bool): void {
  const input = sp(s, S_IN0);
  const out = sp(s, S_OUT);
  const nb = sw(s, S_IN_DIMS), ih = sw(s, S_IN_DIMS + 1), iw = sw(s, S_IN_DIMS + 2), depth = sw(s, S_IN_DIMS + 3);
  const oh = sw(s, S_OUT_DIMS + 1), ow = sw(s, S_OUT_DIMS + 2);
  const strideW = param(s, 0), strideH = param(s, 1), filterW = param(s, 2), filterH = param(s, 3);
  const padW = param(s, 4), padH = param(s, 5), actMin = param(s, 6), actMax = param(s, 7);
  for (let b = 0; b < nb; b++) {
    for (let oy = 0; oy < oh; oy++) {
      const iy0 = oy * strideH - padH;
      const y0 = max(0, -iy0), y1 = min(filterH, ih - iy0);
      for (let ox = 0; ox < ow; ox++) {
        const ix0 = ox * strideW - padW;
        const x0 = max(0, -ix0), x1 = min(filterW, iw - ix0);
        for (let c = 0; c < depth; c++) {
          let acc: i32 = isMax ? -128 : 0;
          let count: i32 = 0;
          for (let y = y0; y < y1; y++) {
            const row = input + <usize>(((b * ih + iy0 + y) * iw + ix0) * depth + c);
            for (let x = x0; x < x1; x++) {
              const v = <i32>load<i8>(row + <usize>(x * depth));
              if (isMax) acc = v > acc ? v : acc;
              else acc += v;
              count++;
            }
          }
          if (!isMax && count > 0) acc = acc > 0 ? (acc + count / 2) / count : (acc - count / 2) / count;
          store<i8>(out + <usize>(((b * oh + oy) * ow + ox) * depth + c), <i8>clamp(acc, actMin, actMax));
        }
      }
    }
  }
}
