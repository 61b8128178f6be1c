// The per-event arena of agents whose manifest says "heap": "arena". They are
// built on AssemblyScript's `stub` runtime, a bump allocator with no collector
// (about 2 KB smaller than `minimal`'s TLSF and mark-and-sweep). What init (and
// restore) allocated stays; everything an event allocates is released when the
// event returns, by moving the bump pointer back to where init left it.
//
// The stub keeps its bump pointer private, but its `__free` moves the pointer
// back to the start of the block it frees when that block is the last one. So a
// release writes, at the mark, a block header spanning everything allocated
// since, and frees that block.
import { BLOCK_OVERHEAD } from "~lib/rt/common";

// The address of the block header the next allocation after the mark gets.
let mark: usize = 0;

/** The bump pointer now (an empty allocation, given back at once). */
function bumpPointer(): usize {
  const p = heap.alloc(0);
  heap.free(p);
  return p - BLOCK_OVERHEAD;
}

/** Everything allocated so far outlives events. */
export function keep(): void {
  mark = bumpPointer();
}

/** Gives back everything allocated since the last keep(). */
export function release(): void {
  // the bump pointer, past an empty block that ends where the last allocation ended
  const last = heap.alloc(0);
  const end = last + load<usize>(last - BLOCK_OVERHEAD);
  store<usize>(mark, end - mark - BLOCK_OVERHEAD);
  heap.free(mark + BLOCK_OVERHEAD);
}
