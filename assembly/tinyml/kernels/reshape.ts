// RESHAPE: the bytes do not change; the compiler usually gives input and output the same arena place.
// params: [bytes]
import { E_SHAPE, OK, S_IN0, S_IN_ELEMS, S_NPARAMS, S_OUT, S_OUT_ELEMS } from "../layout";
import { param, sp, sw } from "../state";

export function prepare(s: usize): i32 {
  if (sp(s, S_IN0) == 0 || sp(s, S_OUT) == 0) return E_SHAPE;
  if (sw(s, S_NPARAMS) != 1 || param(s, 0) < 0 || param(s, 0) > sw(s, S_OUT_ELEMS) * 4 || sw(s, S_IN_ELEMS) != sw(s, S_OUT_ELEMS)) return E_SHAPE;
  return OK;
}

export function eval_(s: usize): void {
  const input = sp(s, S_IN0), out = sp(s, S_OUT);
  if (input != out) memory.copy(out, input, <usize>param(s, 0));
}
