// GELU, int8 (TFLM's int8 Gelu): a 256-entry table from input code to output code, computed by the compiler
// in double precision from the two tensors' scales, so the kernel is one load per element.
// params: [n, table (64 words, code q at byte q + 128)]
import { E_SHAPE, OK, S_IN0, S_IN_ELEMS, S_NPARAMS, S_OUT, S_OUT_ELEMS } from "../layout";
import { param, paramAt, sp, sw } from "../state";

export function prepare(s: usize): i32 {
  if (sp(s, S_IN0) == 0 || sp(s, S_OUT) == 0 || sw(s, S_NPARAMS) != 65) return E_SHAPE;
  if (param(s, 0) != sw(s, S_IN_ELEMS) || sw(s, S_IN_ELEMS) != sw(s, S_OUT_ELEMS)) return E_SHAPE;
  return OK;
}

export function eval_(s: usize): void {
  const input = sp(s, S_IN0), out = sp(s, S_OUT);
  const n = param(s, 0);
  const table = paramAt(s, 1);
  for (let i = 0; i < n; i++) {
    store<i8>(out + <usize>i, load<i8>(table + <usize>(<i32>load<i8>(input + <usize>i) + 128)));
  }
}
