// Static memory plan: tensor lifetimes over the operator order, then greedy offsets in the manner of
// TFLM's GreedyMemoryPlanner (largest first, each at the lowest offset free for its whole lifetime).

export interface PlanBuffer {
  size: number;
  firstUse: number;
  lastUse: number;
}

export const ARENA_ALIGN = 16;

export function align(n: number, to = ARENA_ALIGN): number {
  return Math.ceil(n / to) * to;
}

/** Offsets for each buffer and the arena size they need. */
export function planMemory(buffers: PlanBuffer[]): { offsets: number[]; arenaBytes: number } {
  const order = buffers.map((_, i) => i).sort((a, b) => buffers[b]!.size - buffers[a]!.size || buffers[a]!.firstUse - buffers[b]!.firstUse);
  const offsets: number[] = new Array(buffers.length).fill(-1);
  const placed: number[] = [];
  let arenaBytes = 0;
  for (const i of order) {
    const b = buffers[i]!;
    const size = align(b.size);
    // Buffers alive at the same time as this one, by offset.
    const live = placed
      .filter((j) => buffers[j]!.firstUse <= b.lastUse && b.firstUse <= buffers[j]!.lastUse)
      .sort((x, y) => offsets[x]! - offsets[y]!);
    let candidate = 0;
    for (const j of live) {
      if (offsets[j]! >= candidate + size) break; // the gap before j is large enough
      candidate = Math.max(candidate, offsets[j]! + align(buffers[j]!.size));
    }
    offsets[i] = candidate;
    placed.push(i);
    arenaBytes = Math.max(arenaBytes, candidate + size);
  }
  return { offsets, arenaBytes };
}
