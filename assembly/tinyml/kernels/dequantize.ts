// DEQUANTIZE: int8 -> float32, scale * (q - zero point).
// params: [n, zeroPoint, scaleBits]
import { E_SHAPE, OK, S_IN0, S_IN_ELEMS, S_NPARAMS, S_OUT, S_OUT_ELEMS } from "../layout";
import { param, sp, sw } from "../state";

export function prepare(s: usize): i32 {
  if (sp(s, S_IN0) == 0 || sp(s, S_OUT) == 0) return E_SHAPE;
  if (sw(s, S_NPARAMS) != 3 || param(s, 0) != sw(s, S_OUT_ELEMS) || sw(s, S_IN_ELEMS) != sw(s, S_OUT_ELEMS)) return E_SHAPE;
  return OK;
}

export function eval_(s: usize): void {
  const input = sp(s, S_IN0), out = sp(s, S_OUT);
  const n = param(s, 0), zp = param(s, 1);
  const scale = reinterpret<f32>(param(s, 2));
  for (let i = 0; i < n; i++) store<f32>(out + (<usize>i << 2), scale * <f32>(<i32>load<i8>(input + <usize>i) - zp));
}
