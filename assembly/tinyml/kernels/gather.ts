// GATHER on axis 0, int8 table (an embedding lookup): output row t is table row indices[t]. Indices are int8
// (a model's token input) or int32. An index outside the table gives a row of the table's zero point (the
// embedding of nothing) rather than reading past the table.
// params: [rows, depth, count, indexType (0 int8, 1 int32), zeroPoint]
import { E_SHAPE, OK, S_IN0, S_IN1, S_IN1_ELEMS, S_IN_ELEMS, S_NPARAMS, S_OUT, S_OUT_ELEMS } from "../layout";
import { param, sp, sw } from "../state";

export function prepare(s: usize): i32 {
  if (sp(s, S_IN0) == 0 || sp(s, S_IN1) == 0 || sp(s, S_OUT) == 0 || sw(s, S_NPARAMS) != 5) return E_SHAPE;
  const rows = <i64>param(s, 0), depth = <i64>param(s, 1), count = <i64>param(s, 2), type = param(s, 3);
  if (rows < 1 || depth < 1 || (type != 0 && type != 1)) return E_SHAPE;
  if (rows * depth != <i64>sw(s, S_IN_ELEMS) || count != <i64>sw(s, S_IN1_ELEMS) || count * depth != <i64>sw(s, S_OUT_ELEMS)) return E_SHAPE;
  return OK;
}

export function eval_(s: usize): void {
  const table = sp(s, S_IN0), indices = sp(s, S_IN1), out = sp(s, S_OUT);
  const rows = param(s, 0), depth = param(s, 1), count = param(s, 2), wide = param(s, 3) == 1, zp = param(s, 4);
  for (let t = 0; t < count; t++) {
    const idx = wide ? load<i32>(indices + (<usize>t << 2)) : <i32>load<i8>(indices + <usize>t);
    const dst = out + <usize>(t * depth);
    if (idx < 0 || idx >= rows) memory.fill(dst, <u8>zp, <usize>depth);
    else memory.copy(dst, table + <usize>(idx * depth), <usize>depth);
  }
}
