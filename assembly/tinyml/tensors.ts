// The loaded model's tensor table: each tensor's address and element count (filled by load_model),
// for the operators whose tensor count varies (CONCATENATION).

let addrs: usize = 0;
let count: i32 = 0;

export function setTensorTable(table: usize, n: i32): void {
  addrs = table;
  count = n;
}
export function tensorCount(): i32 {
  return count;
}
/** Address of tensor t's bytes (0 = none). */
export function tensorAddr(t: i32): usize {
  return <usize>load<i32>(addrs + (<usize>t << 3));
}
export function tensorElems(t: i32): i32 {
  return load<i32>(addrs + (<usize>t << 3) + 4);
}
