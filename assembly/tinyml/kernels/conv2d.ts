// CONV_2D, int8 with per-channel requantization (TFLM reference_integer_ops::ConvPerChannel).
// params: [strideW, strideH, dilW, dilH, padW, padH, inOffset, outOffset, actMin, actMax, C, 1, mult[C], shift[C], folded[C]]
// folded[c] = bias[c] + inOffset * sum(filter[c]) (host compiler): a window wholly inside the input needs only
// sum(filter * input), computed for four output channels at a time so each input byte is loaded once.
import { clamp, mbqm } from "../fixedpoint";
import { E_SHAPE, OK, S_F_H, S_F_W, S_IN0, S_IN1, S_IN1_ELEMS, S_IN2, S_IN_DIMS, S_NPARAMS, S_OUT, S_OUT_DIMS } from "../layout";
import { param, paramAt, sp, sw } from "../state";

export function prepare(s: usize): i32 {
  if (sp(s, S_IN0) == 0 || sp(s, S_IN1) == 0 || sp(s, S_OUT) == 0) return E_SHAPE;
  const c = param(s, 10);
  if (sw(s, S_NPARAMS) < 12 || c != sw(s, S_OUT_DIMS + 3) || sw(s, S_NPARAMS) != 12 + 3 * c) return E_SHAPE;
  // Strides and dilations at least 1; the filter holds C x h x w x input channels.
  if (param(s, 0) < 1 || param(s, 1) < 1 || param(s, 2) < 1 || param(s, 3) < 1) return E_SHAPE;
  if (<i64>sw(s, S_IN1_ELEMS) != <i64>c * sw(s, S_F_H) * sw(s, S_F_W) * sw(s, S_IN_DIMS + 3)) return E_SHAPE;
  if (sw(s, S_IN_DIMS) != sw(s, S_OUT_DIMS)) return E_SHAPE;
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
  const folded = paramAt(s, 12 + 2 * channels);
  const fStride = <usize>(fh * fw * ic);
  const rowLen = fw * ic;
  let op = out;
  for (let b = 0; b < nb; b++) {
    for (let oy = 0; oy < oh; oy++) {
      const iy0 = oy * strideH - padH;
      const yInside = iy0 >= 0 && iy0 + (fh - 1) * dilH < ih;
      for (let ox = 0; ox < ow; ox++) {
        const ix0 = ox * strideW - padW;
        const inside = yInside && dilW == 1 && ix0 >= 0 && ix0 + fw - 1 < iw;
        if (inside) {
          const base = input + <usize>(((b * ih + iy0) * iw + ix0) * ic);
          const rowStep = <usize>(dilH * iw * ic);
          let o = 0;
          for (; o + 4 <= oc; o += 4) {
            const f0 = filter + <usize>o * fStride;
            const f1 = f0 + fStride, f2 = f1 + fStride, f3 = f2 + fStride;
            let a0: i32 = 0, a1: i32 = 0, a2: i32 = 0, a3: i32 = 0;
            let ip = base;
            let fo: usize = 0;
            for (let ky = 0; ky < fh; ky++) {
              for (let j = 0; j < rowLen; j++) {
                const x = <i32>load<i8>(ip + <usize>j);
                const k = fo + <usize>j;
                a0 += x * <i32>load<i8>(f0 + k);
                a1 += x * <i32>load<i8>(f1 + k);
                a2 += x * <i32>load<i8>(f2 + k);
                a3 += x * <i32>load<i8>(f3 + k);
              }
              ip += rowStep;
              fo += <usize>rowLen;
            }
            const c: usize = <usize>o << 2;
            store<i8>(op, <i8>clamp(mbqm(a0 + load<i32>(folded + c), load<i32>(mults + c), load<i32>(shifts + c)) + outOff, actMin, actMax));
            store<i8>(op + 1, <i8>clamp(mbqm(a1 + load<i32>(folded + c + 4), load<i32>(mults + c + 4), load<i32>(shifts + c + 4)) + outOff, actMin, actMax));
            store<i8>(op + 2, <i8>clamp(mbqm(a2 + load<i32>(folded + c + 8), load<i32>(mults + c + 8), load<i32>(shifts + c + 8)) + outOff, actMin, actMax));
            store<i8>(op + 3, <i8>clamp(mbqm(a3 + load<i32>(folded + c + 12), load<i32>(mults + c + 12), load<i32>(shifts + c + 12)) + outOff, actMin, actMax));
            op += 4;
          }
          for (; o < oc; o++) {
            const f0 = filter + <usize>o * fStride;
            let a0: i32 = 0;
            let ip = base;
            let fo: usize = 0;
            for (let ky = 0; ky < fh; ky++) {
              for (let j = 0; j < rowLen; j++) a0 += <i32>load<i8>(ip + <usize>j) * <i32>load<i8>(f0 + fo + <usize>j);
              ip += rowStep;
              fo += <usize>rowLen;
            }
            const c: usize = <usize>o << 2;
            store<i8>(op, <i8>clamp(mbqm(a0 + load<i32>(folded + c), load<i32>(mults + c), load<i32>(shifts + c)) + outOff, actMin, actMax));
            op++;
          }
          continue;
        }
        // A window over the edge: TFLM's loop, skipping taps outside the input.
        let fbase = filter;
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
          const c: usize = <usize>o << 2;
          store<i8>(op, <i8>clamp(mbqm(acc, load<i32>(mults + c), load<i32>(shifts + c)) + outOff, actMin, actMax));
          op++;
          fbase += fStride;
        }
      }
    }
  }
}
