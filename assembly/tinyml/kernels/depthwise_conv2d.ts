// DEPTHWISE_CONV_2D, int8 per-channel (TFLM reference_integer_ops::DepthwiseConvPerChannel).
// params: [strideW, strideH, dilW, dilH, padW, padH, inOffset, outOffset, actMin, actMax, C, depthMult, mult[C], shift[C], folded[C]]
// folded[c] = bias[c] + inOffset * sum(filter[.., c]): a window wholly inside the input needs only sum(filter * input).
import { clamp, mbqm } from "../fixedpoint";
import { E_SHAPE, OK, S_F_H, S_F_W, S_IN0, S_IN1, S_IN1_ELEMS, S_IN2, S_IN_DIMS, S_NPARAMS, S_OUT, S_OUT_DIMS } from "../layout";
import { param, paramAt, sp, sw } from "../state";

/** int32 accumulators for the channels of one output pixel (static: nothing allocates in eval). */
const MAX_SCRATCH_CHANNELS = 1024;
const SCRATCH: usize = memory.data(MAX_SCRATCH_CHANNELS * 4, 16);

export function prepare(s: usize): i32 {
  if (sp(s, S_IN0) == 0 || sp(s, S_IN1) == 0 || sp(s, S_OUT) == 0) return E_SHAPE;
  const c = sw(s, S_OUT_DIMS + 3);
  if (sw(s, S_NPARAMS) < 12 || param(s, 10) != c || sw(s, S_NPARAMS) != 12 + 3 * c) return E_SHAPE;
  if (param(s, 11) < 1 || sw(s, S_IN_DIMS + 3) * param(s, 11) != c) return E_SHAPE;
  if (param(s, 0) < 1 || param(s, 1) < 1 || param(s, 2) < 1 || param(s, 3) < 1) return E_SHAPE;
  if (<i64>sw(s, S_IN1_ELEMS) != <i64>c * sw(s, S_F_H) * sw(s, S_F_W) || sw(s, S_IN_DIMS) != sw(s, S_OUT_DIMS)) return E_SHAPE;
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
  const actMin = param(s, 8), actMax = param(s, 9), channels = param(s, 10), depthMult = param(s, 11);
  const mults = paramAt(s, 12);
  const shifts = paramAt(s, 12 + channels);
  const folded = paramAt(s, 12 + 2 * channels);
  let op = out;
  for (let b = 0; b < nb; b++) {
    for (let oy = 0; oy < oh; oy++) {
      const iy0 = oy * strideH - padH;
      for (let ox = 0; ox < ow; ox++) {
        const ix0 = ox * strideW - padW;
        if (depthMult == 1 && oc <= MAX_SCRATCH_CHANNELS && iy0 >= 0 && iy0 + (fh - 1) * dilH < ih && ix0 >= 0 && ix0 + (fw - 1) * dilW < iw) {
          // Inside the input: per tap, all channels in a row (contiguous in input and filter), summed into
          // int32 accumulators that start at the folded bias.
          const base = input + <usize>(((b * ih + iy0) * iw + ix0) * ic);
          const rowStep = <usize>(dilH * iw * ic);
          const colStep = <usize>(dilW * ic);
          memory.copy(SCRATCH, folded, <usize>oc << 2);
          let fp = filter;
          let rowPtr = base;
          for (let ky = 0; ky < fh; ky++) {
            let ip = rowPtr;
            for (let kx = 0; kx < fw; kx++) {
              for (let c = 0; c < oc; c++) {
                const a = SCRATCH + (<usize>c << 2);
                store<i32>(a, load<i32>(a) + <i32>load<i8>(fp + <usize>c) * <i32>load<i8>(ip + <usize>c));
              }
              ip += colStep;
              fp += <usize>oc;
            }
            rowPtr += rowStep;
          }
          for (let o = 0; o < oc; o++) {
            const c: usize = <usize>o << 2;
            store<i8>(op, <i8>clamp(mbqm(load<i32>(SCRATCH + c), load<i32>(mults + c), load<i32>(shifts + c)) + outOff, actMin, actMax));
            op++;
          }
          continue;
        }
        for (let o = 0; o < oc; o++) {
          const ci = depthMult == 1 ? o : o / depthMult;
          let acc: i32 = 0;
          for (let ky = 0; ky < fh; ky++) {
            const iy = iy0 + dilH * ky;
            if (iy < 0 || iy >= ih) continue;
            const rowBase = input + <usize>(((b * ih + iy) * iw) * ic + ci);
            const fRow = filter + <usize>(ky * fw * oc + o);
            for (let kx = 0; kx < fw; kx++) {
              const ix = ix0 + dilW * kx;
              if (ix < 0 || ix >= iw) continue;
              acc += <i32>load<i8>(fRow + <usize>(kx * oc)) * (<i32>load<i8>(rowBase + <usize>(ix * ic)) + inOff);
            }
          }
          if (bias != 0) acc += load<i32>(bias + (<usize>o << 2));
          const ch: usize = <usize>o << 2;
          const v = mbqm(acc, load<i32>(mults + ch), load<i32>(shifts + ch)) + outOff;
          store<i8>(op, <i8>clamp(v, actMin, actMax));
          op++;
        }
      }
    }
  }
}
