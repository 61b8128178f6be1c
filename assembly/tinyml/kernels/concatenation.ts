// CONCATENATION, int8 with the inputs' quantization equal to the output's (as TFLM requires): for each
// index before the axis, each input's slice after it, in input order.
// params: [outer, n, (tensor, innerBytes) x n]
import { E_SHAPE, OK, S_NPARAMS, S_OUT, S_OUT_ELEMS } from "../layout";
import { param, sp, sw } from "../state";
import { tensorAddr, tensorCount, tensorElems } from "../tensors";

export function prepare(s: usize): i32 {
  const n = param(s, 1);
  const outer = param(s, 0);
  if (sp(s, S_OUT) == 0 || n < 1 || outer < 0 || sw(s, S_NPARAMS) != 2 + 2 * n) return E_SHAPE;
  let total: i64 = 0;
  for (let i = 0; i < n; i++) {
    const t = param(s, 2 + 2 * i), inner = param(s, 3 + 2 * i);
    if (t < 0 || t >= tensorCount() || tensorAddr(t) == 0 || inner < 0) return E_SHAPE;
    if (<i64>inner * <i64>outer != <i64>tensorElems(t)) return E_SHAPE;
    total += <i64>inner;
  }
  return total * <i64>outer == <i64>sw(s, S_OUT_ELEMS) ? OK : E_SHAPE;
}

export function eval_(s: usize): void {
  const outer = param(s, 0), n = param(s, 1);
  let op = sp(s, S_OUT);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < n; i++) {
      const inner = <usize>param(s, 3 + 2 * i);
      memory.copy(op, tensorAddr(param(s, 2 + 2 * i)) + <usize>o * inner, inner);
      op += inner;
    }
  }
}
