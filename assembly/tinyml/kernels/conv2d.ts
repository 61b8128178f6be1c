// CONV_2D, int8 with per-channel requantization (TFLM reference_integer_ops::ConvPerChannel).
// params: [strideW, strideH, dilW, dilH, padW, padH, inOffset, outOffset, actMin, actMax, C, 1, mult[C], shift[C]]
import { clamp, mbqm } from "../fixedpoint";
import { E_SHAPE, OK, S_F_H, S_F_W, S_IN0, S_IN1, S_IN2, S_IN_DIMS, S_OUT, S_OUT_DIMS } from "../layout";
import { param, paramAt, sp, sw } from "../state";

export function prepare(s: usize): i32 {
  if (sp(s, S_IN0) == 0 || sp(s, S_IN1) == 0 || sp(s, S_OUT) == 0) return E_SHAPE;
  const c = param(s, 10);
  if (c != sw(s, S_OUT_DIMS + 3) && c != 1) return E_SHAPE;
  return OK;
}

export function eval_(s: usize): void {
  const input = sp(s, S_IN0);
  const filter = sp(s, S_IN1);
  const bias = sp(s, S_IN2);
  const out = sp(s, S_OUT);
  const nb = sw(s, S_IN_DIMS), ih = sw(s, S_IN_DIMS + 1), iw = sw(s, S_IN_DIMS + 2), ic = sw(s, S_IN_DIMS + 3);
  const oh = sw(s, S_OUT_DIMS + 1), ow = sw(s, S_OUT_DIMS + 2), oc = sw(s, S_OUT_DIMS + 3);
  const fh = sw(s, S_F_H), fw = sw(s, S_F_W);
  const strideW = param(s, 0), strideH = param(s, 1), dilW = param(s, 2), dilH = param(s, 3);
  const padW = param(s, 4), padH = param(s, 5), inOff = param(s, 6), outOff = param(s, 7);
  const actMin = param(s, 8), actMax = param(s, 9), channels = param(s, 10);
  const mults = paramAt(s, 12);
  const shifts = paramAt(s, 12 + channels);
  const chStep: usize = channels > 1 ? 4 : 0;
  const fStride = <usize>(fh * fw * ic);
  let op = out;
  for (let b = 0; b < nb; b++) {
    for (let oy = 0; oy < oh; oy++) {
      const iy0 = oy * strideH - padH;
      for (let ox = 0; ox < ow; ox++) {
        const ix0 = ox * strideW - padW;
        let fbase = filter;
        let mp = mults, shp = shifts;
        for (let o = 0; o < oc; o++) {
          let acc: i32 = 0;
          for (let ky = 0; ky < fh; ky++) {
            const iy = iy0 + dilH * ky;
            if (iy < 0 || iy >= ih) continue;
            const rowBase = input + <usize>(((b * ih + iy) * iw) * ic);
            for (let kx = 0; kx < fw; kx++) {
              const ix = ix0 + dilW * kx;
              if (ix < 0 || ix >= iw) continue;
              const ip = rowBase + <usize>(ix * ic);
              const fp = fbase + <usize>((ky * fw + kx) * ic);
              for (let c = 0; c < ic; c++) {
                acc += <i32>load<i8>(fp + <usize>c) * (<i32>load<i8>(ip + <usize>c) + inOff);
              }
            }
          }
          if (bias != 0) acc += load<i32>(bias + (<usize>o << 2));
          const v = mbqm(acc, load<i32>(mp), load<i32>(shp)) + outOff;
          store<i8>(op, <i8>clamp(v, actMin, actMax));
          op++;
          fbase += fStride;
          mp += chStep;
          shp += chStep;
        }
      }
    }
  }
}
