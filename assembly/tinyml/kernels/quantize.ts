// QUANTIZE: float32 -> int8 (TFLM AffineQuantize: round(x / scale) + zero point, clamped), or
// int8 -> int8 requantization (TFLM Requantize).
// params: [0, n, scaleBits, zeroPoint] or [1, n, inOffset, outOffset, mult, shift]
import { clamp, mbqm } from "../fixedpoint";
import { E_SHAPE, OK, S_IN0, S_IN_ELEMS, S_NPARAMS, S_OUT, S_OUT_ELEMS } from "../layout";
import { param, sp, sw } from "../state";

export function prepare(s: usize): i32 {
  if (sp(s, S_IN0) == 0 || sp(s, S_OUT) == 0) return E_SHAPE;
  if (sw(s, S_NPARAMS) < 4 || param(s, 1) != sw(s, S_OUT_ELEMS) || sw(s, S_IN_ELEMS) != sw(s, S_OUT_ELEMS) || (param(s, 0) == 1 && sw(s, S_NPARAMS) != 6)) return E_SHAPE;
  return OK;
}

export function eval_(s: usize): void {
  const input = sp(s, S_IN0), out = sp(s, S_OUT);
  const n = param(s, 1);
  if (param(s, 0) == 0) {
    const scale = reinterpret<f32>(param(s, 2));
    const zp = param(s, 3);
    for (let i = 0; i < n; i++) {
      const q = load<f32>(input + (<usize>i << 2)) / scale;
      // round half away from zero, like std::round
      let r = Mathf.trunc(q);
      if (Mathf.abs(q - r) >= 0.5) r += q < 0 ? -1 : 1;
      store<i8>(out + <usize>i, <i8>clamp(<i32>r + zp, -128, 127));
    }
  } else {
    const inOff = param(s, 2), outOff = param(s, 3), m = param(s, 4), sh = param(s, 5);
    for (let i = 0; i < n; i++) {
      store<i8>(out + <usize>i, <i8>clamp(mbqm(<i32>load<i8>(input + <usize>i) + inOff, m, sh) + outOff, -128, 127));
    }
  }
}
