// Accessors for an operator's state block (filled once by prepare, read by eval).
import { S_PARAMS } from "./layout";

// @ts-ignore: decorator
@inline export function sw(state: usize, word: i32): i32 {
  return load<i32>(state + (<usize>word << 2));
}
// @ts-ignore: decorator
@inline export function sp(state: usize, word: i32): usize {
  return <usize>load<i32>(state + (<usize>word << 2));
}
// @ts-ignore: decorator
@inline export function setw(state: usize, word: i32, v: i32): void {
  store<i32>(state + (<usize>word << 2), v);
}
/** Parameter `k` of the operator. */
// @ts-ignore: decorator
@inline export function param(state: usize, k: i32): i32 {
  return load<i32>(<usize>load<i32>(state + (<usize>S_PARAMS << 2)) + (<usize>k << 2));
}
/** Address of parameter `k`. */
// @ts-ignore: decorator
@inline export function paramAt(state: usize, k: i32): usize {
  return <usize>load<i32>(state + (<usize>S_PARAMS << 2)) + (<usize>k << 2);
}
