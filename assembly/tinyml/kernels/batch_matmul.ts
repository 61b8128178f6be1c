// BATCH_MATMUL, int8 (TFLM reference_ops::BatchMatMul, quantized): out[b] = lhs[b] x rhs[b], both offset by
// their zero points, rescaled to the output. adjX / adjY read lhs / rhs transposed, so attention's Q x K^T
// needs no TRANSPOSE; a batch stride of 0 broadcasts one operand over the batches.
// params: [lhsOffset, rhsOffset, outOffset, mult, shift, actMin, actMax, batches, lhsStride, rhsStride, M, K, N, adjX, adjY]
import { clamp, mbqm } from "../fixedpoint";
import { E_SHAPE, OK, S_IN0, S_IN1, S_IN1_ELEMS, S_IN_ELEMS, S_NPARAMS, S_OUT, S_OUT_ELEMS } from "../layout";
import { param, sp, sw } from "../state";

export function prepare(s: usize): i32 {
  if (sp(s, S_IN0) == 0 || sp(s, S_IN1) == 0 || sp(s, S_OUT) == 0 || sw(s, S_NPARAMS) != 15) return E_SHAPE;
  const batches = <i64>param(s, 7), ls = <i64>param(s, 8), rs = <i64>param(s, 9);
  const m = <i64>param(s, 10), k = <i64>param(s, 11), n = <i64>param(s, 12);
  if (batches < 1 || m < 1 || k < 1 || n < 1 || (ls != 0 && ls != m * k) || (rs != 0 && rs != k * n)) return E_SHAPE;
  if ((ls == 0 ? m * k : batches * m * k) != <i64>sw(s, S_IN_ELEMS)) return E_SHAPE;
  if ((rs == 0 ? k * n : batches * k * n) != <i64>sw(s, S_IN1_ELEMS)) return E_SHAPE;
  if (batches * m * n != <i64>sw(s, S_OUT_ELEMS)) return E_SHAPE;
  return OK;
}

export function eval_(s: usize): void {
  const lhs = sp(s, S_IN0), rhs = sp(s, S_IN1), out = sp(s, S_OUT);
  const lo = param(s, 0), ro = param(s, 1), oo = param(s, 2), mult = param(s, 3), shift = param(s, 4);
  const actMin = param(s, 5), actMax = param(s, 6), batches = param(s, 7), ls = param(s, 8), rs = param(s, 9);
  const M = param(s, 10), K = param(s, 11), N = param(s, 12);
  // Element strides of the row/column walks, so both layouts share one loop.
  const adjX = param(s, 13) != 0, adjY = param(s, 14) != 0;
  const lRow = adjX ? 1 : K, lK = adjX ? M : 1;
  const rK = adjY ? 1 : N, rCol = adjY ? K : 1;
  for (let b = 0; b < batches; b++) {
    const lb = lhs + <usize>(b * ls), rb = rhs + <usize>(b * rs), ob = out + <usize>(b * M * N);
    for (let i = 0; i < M; i++) {
      for (let j = 0; j < N; j++) {
        let acc: i32 = 0;
        for (let k = 0; k < K; k++) {
          acc += (<i32>load<i8>(lb + <usize>(i * lRow + k * lK)) + lo) * (<i32>load<i8>(rb + <usize>(k * rK + j * rCol)) + ro);
        }
        store<i8>(ob + <usize>(i * N + j), <i8>clamp(mbqm(acc, mult, shift) + oo, actMin, actMax));
      }
    }
  }
}
