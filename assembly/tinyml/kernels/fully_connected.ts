// FULLY_CONNECTED, int8 (TFLM reference_integer_ops::FullyConnected, per tensor or per channel).
// params: [inOffset, filterOffset, outOffset, actMin, actMax, C, batches, depth, units, mult[C], shift[C]]
import { clamp, mbqm } from "../fixedpoint";
import { E_SHAPE, OK, S_IN0, S_IN1, S_IN2, S_OUT } from "../layout";
import { param, paramAt, sp } from "../state";

export function prepare(s: usize): i32 {
  if (sp(s, S_IN0) == 0 || sp(s, S_IN1) == 0 || sp(s, S_OUT) == 0) return E_SHAPE;
  return OK;
}

export function eval_(s: usize): void {
  const input = sp(s, S_IN0);
  const filter = sp(s, S_IN1);
  const bias = sp(s, S_IN2);
  const out = sp(s, S_OUT);
  const inOff = param(s, 0), fOff = param(s, 1), outOff = param(s, 2), actMin = param(s, 3), actMax = param(s, 4);
  const channels = param(s, 5), batches = param(s, 6), depth = param(s, 7), units = param(s, 8);
  const mults = paramAt(s, 9);
  const shifts = paramAt(s, 9 + channels);
  const chStep: usize = channels > 1 ? 4 : 0;
  for (let b = 0; b < batches; b++) {
    const ip = input + <usize>(b * depth);
    let fp = filter;
    let mp = mults, shp = shifts;
    for (let u = 0; u < units; u++) {
      let acc: i32 = 0;
      for (let d = 0; d < depth; d++) {
        acc += (<i32>load<i8>(ip + <usize>d) + inOff) * (<i32>load<i8>(fp + <usize>d) + fOff);
      }
      if (bias != 0) acc += load<i32>(bias + (<usize>u << 2));
      const v = mbqm(acc, load<i32>(mp), load<i32>(shp)) + outOff;
      store<i8>(out + <usize>(b * units + u), <i8>clamp(v, actMin, actMax));
      fp += <usize>depth;
      mp += chStep;
      shp += chStep;
    }
  }
}
