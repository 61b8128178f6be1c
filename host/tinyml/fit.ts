// Does a compiled model fit a board? RAM holds the arena plus the core's tables; flash holds the model.
import { ModelError } from "./errors.ts";
import { HEADER_WORDS } from "./format.ts";
import type { CompiledModel } from "./model.ts";

/** Bytes of the core's per-model tables in RAM: address and element count per tensor (8 bytes), 80 bytes of state per operator. */
export function tableBytes(m: CompiledModel): number {
  return m.tensors.length * 8 + m.ops.length * 80 + HEADER_WORDS * 4;
}

/** RAM the model needs at run time (arena + tables). */
export function ramNeeded(m: CompiledModel): number {
  return m.arenaBytes + tableBytes(m);
}

/** Throws ModelError("too-large") naming the numbers when the model's RAM (or flash) need exceeds the board's. */
export function checkFitsBoard(m: CompiledModel, ramBytes: number, flashBytes?: number): void {
  const need = ramNeeded(m);
  if (need > ramBytes) {
    throw new ModelError("too-large", `model needs ${need} B of RAM (arena ${m.arenaBytes} B + tables ${tableBytes(m)} B), the board has ${ramBytes} B`);
  }
  if (flashBytes !== undefined && m.summary.paramBytes > flashBytes) {
    throw new ModelError("too-large", `model weights need ${m.summary.paramBytes} B of flash, the board has ${flashBytes} B`);
  }
}
