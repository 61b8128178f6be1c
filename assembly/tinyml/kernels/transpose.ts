// TRANSPOSE, int8, up to 4-D (TFLM reference_ops::Transpose): output index (i0..i3) reads the input at the
// position whose dimension perm[j] is i_j. Shapes are padded to 4-D with leading ones by the compiler.
// params: [inDims[4], perm[4]]
import { E_SHAPE, OK, S_IN0, S_IN_ELEMS, S_NPARAMS, S_OUT, S_OUT_ELEMS } from "../layout";
import { param, sp, sw } from "../state";

export function prepare(s: usize): i32 {
  if (sp(s, S_IN0) == 0 || sp(s, S_OUT) == 0 || sw(s, S_NPARAMS) != 8) return E_SHAPE;
  let n: i64 = 1;
  let seen = 0;
  for (let d = 0; d < 4; d++) {
    const p = param(s, 4 + d);
    if (param(s, d) < 1 || p < 0 || p > 3 || (seen & (1 << p)) != 0) return E_SHAPE;
    seen |= 1 << p;
    n *= <i64>param(s, d);
  }
  if (n != <i64>sw(s, S_IN_ELEMS) || n != <i64>sw(s, S_OUT_ELEMS)) return E_SHAPE;
  return OK;
}

export function eval_(s: usize): void {
  const input = sp(s, S_IN0), out = sp(s, S_OUT);
  // Input strides, then each output axis's stride in the input.
  const st3 = 1, st2 = param(s, 3), st1 = st2 * param(s, 2), st0 = st1 * param(s, 1);
  const p0 = param(s, 4), p1 = param(s, 5), p2 = param(s, 6), p3 = param(s, 7);
  const o0 = param(s, p0), o1 = param(s, p1), o2 = param(s, p2), o3 = param(s, p3);
  const a0 = stride(p0, st0, st1, st2, st3), a1 = stride(p1, st0, st1, st2, st3);
  const a2 = stride(p2, st0, st1, st2, st3), a3 = stride(p3, st0, st1, st2, st3);
  let o: usize = out;
  for (let i = 0; i < o0; i++)
    for (let j = 0; j < o1; j++)
      for (let k = 0; k < o2; k++) {
        const base = i * a0 + j * a1 + k * a2;
        for (let l = 0; l < o3; l++) {
          store<i8>(o, load<i8>(input + <usize>(base + l * a3)));
          o++;
        }
      }
}

function stride(axis: i32, s0: i32, s1: i32, s2: i32, s3: i32): i32 {
  return axis == 0 ? s0 : axis == 1 ? s1 : axis == 2 ? s2 : s3;
}
