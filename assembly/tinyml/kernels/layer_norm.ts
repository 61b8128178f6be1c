// LAYER_NORM, int8 (Colony's own fused operator; TFLite spells it as a CUSTOM op "COLONY_LAYER_NORM"):
// each row of `depth` codes is centred and divided by its standard deviation in integers only, then the
// per-feature gamma / output scale (a Q31 multiplier and shift) and beta (in output codes) are applied.
//   x = q - inZp, S1 = sum x, S2 = sum x^2, c = depth * x - S1, v = depth * S2 - S1^2 + epsQ
//   n = round(c * 2^11 / isqrt(v))  (n / 2^11 is the normalised value), out = outZp + beta + mbqm(n, mult, shift)
// params: [rows, depth, inZp, outZp, epsQ, mult[depth], shift[depth], beta[depth]]
import { clamp, mbqm } from "../fixedpoint";
import { E_SHAPE, OK, S_IN0, S_IN_ELEMS, S_NPARAMS, S_OUT, S_OUT_ELEMS } from "../layout";
import { param, paramAt, sp, sw } from "../state";

const FRACTION_BITS: i64 = 11;

export function prepare(s: usize): i32 {
  if (sp(s, S_IN0) == 0 || sp(s, S_OUT) == 0 || sw(s, S_NPARAMS) < 5) return E_SHAPE;
  const rows = <i64>param(s, 0), depth = param(s, 1);
  if (rows < 1 || depth < 1 || depth > 4096 || param(s, 4) < 0 || sw(s, S_NPARAMS) != 5 + 3 * depth) return E_SHAPE;
  if (rows * <i64>depth != <i64>sw(s, S_IN_ELEMS) || sw(s, S_IN_ELEMS) != sw(s, S_OUT_ELEMS)) return E_SHAPE;
  return OK;
}

export function eval_(s: usize): void {
  const input = sp(s, S_IN0), out = sp(s, S_OUT);
  const rows = param(s, 0), depth = param(s, 1), inZp = param(s, 2), outZp = param(s, 3), epsQ = <i64>param(s, 4);
  const mults = paramAt(s, 5), shifts = paramAt(s, 5 + depth), betas = paramAt(s, 5 + 2 * depth);
  const d = <i64>depth;
  for (let r = 0; r < rows; r++) {
    const ip = input + <usize>(r * depth), op = out + <usize>(r * depth);
    let s1: i64 = 0, s2: i64 = 0;
    for (let i = 0; i < depth; i++) {
      const x = <i64>(<i32>load<i8>(ip + <usize>i) - inZp);
      s1 += x;
      s2 += x * x;
    }
    const root = isqrt(d * s2 - s1 * s1 + epsQ);
    for (let i = 0; i < depth; i++) {
      const c = d * <i64>(<i32>load<i8>(ip + <usize>i) - inZp) - s1;
      // A constant row (root 0) normalises to 0, as the float operator does with a tiny epsilon.
      const n = root == 0 ? <i64>0 : divRound(c << FRACTION_BITS, root);
      const k = <usize>i << 2;
      const v = mbqm(<i32>n, load<i32>(mults + k), load<i32>(shifts + k)) + load<i32>(betas + k) + outZp;
      store<i8>(op + <usize>i, <i8>clamp(v, -128, 127));
    }
  }
}

/** floor(sqrt(v)) for v >= 0, bit by bit (exact, no floating point). */
function isqrt(v: i64): i64 {
  if (v <= 0) return 0;
  let rem = <u64>v, res: u64 = 0, bit: u64 = <u64>1 << 62;
  while (bit > rem) bit >>= 2;
  while (bit != 0) {
    if (rem >= res + bit) {
      rem -= res + bit;
      res = (res >> 1) + bit;
    } else res >>= 1;
    bit >>= 2;
  }
  return <i64>res;
}

/** a / b rounded half away from zero, b > 0. */
function divRound(a: i64, b: i64): i64 {
  return a >= 0 ? (a + (b >> 1)) / b : -((-a + (b >> 1)) / b);
}
