// A per-sender sliding window over sequence numbers (the IPsec anti-replay scheme):
// accept a number once, and nothing older than `size` below the highest seen.
export class ReplayWindow {
  private highest = 0;
  private seen = new Set<number>();
  constructor(readonly size = 64) {
    if (size < 1) throw new RangeError(`replay window size must be >= 1, got ${size}`);
  }

  accept(seq: number): boolean {
    if (seq <= this.highest - this.size) return false;
    if (this.seen.has(seq)) return false;
    this.seen.add(seq);
    if (seq > this.highest) {
      this.highest = seq;
      // Prune in batches (when twice the window is held): amortized O(1) per message.
      if (this.seen.size > 2 * this.size) {
        const floor = seq - this.size;
        for (const s of this.seen) if (s <= floor) this.seen.delete(s);
      }
    }
    return true;
  }
}
