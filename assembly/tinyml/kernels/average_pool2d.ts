// AVERAGE_POOL_2D, int8: rounded average over the in-image part of each window, then the activation clamp.
import { evalPool, preparePool } from "./pool2d";

export function prepare(s: usize): i32 {
  return preparePool(s);
}
export function eval_(s: usize): void {
  evalPool(s, false);
}
