// A discrete-event scheduler on a virtual clock. Events at the same time run by
// priority (lower first), then in the order they were scheduled: a run is a pure
// function of its inputs, which is what makes a scenario deterministic.

export interface Clock {
  /** Current time in milliseconds. */
  now(): number;
  /** Run `fn` at absolute time `at` (ms). Returns a handle for cancel(). */
  at(at: number, fn: () => void, priority?: number): number;
  /** Run `fn` after `delay` ms. */
  after(delay: number, fn: () => void, priority?: number): number;
  cancel(handle: number): void;
}

export const Priority = {
  /** network deliveries and hardware first, so an agent sees a consistent world */
  NET: 0,
  SENSOR: 1,
  TIMER: 2,
  /** supervisor restarts and bookkeeping */
  SYSTEM: 3,
} as const;

interface Entry {
  at: number;
  priority: number;
  seq: number;
  fn: () => void;
}

function before(a: Entry, b: Entry): boolean {
  if (a.at !== b.at) return a.at < b.at;
  if (a.priority !== b.priority) return a.priority < b.priority;
  return a.seq < b.seq;
}

export class VirtualClock implements Clock {
  private heap: Entry[] = [];
  private cancelled = new Set<number>();
  private seq = 0;
  private time = 0;
  private dispatched = 0;

  now(): number {
    return this.time;
  }

  /** Events run so far. */
  get eventsRun(): number {
    return this.dispatched;
  }

  get pending(): number {
    return this.heap.length - this.cancelled.size;
  }

  at(at: number, fn: () => void, priority: number = Priority.TIMER): number {
    if (!Number.isFinite(at)) throw new RangeError(`event time must be finite, got ${at}`);
    const entry: Entry = { at: Math.max(at, this.time), priority, seq: ++this.seq, fn };
    this.push(entry);
    return entry.seq;
  }

  after(delay: number, fn: () => void, priority?: number): number {
    return this.at(this.time + Math.max(0, delay), fn, priority);
  }

  cancel(handle: number): void {
    if (handle > 0 && handle <= this.seq) this.cancelled.add(handle);
  }

  /**
   * Run every event up to and including time `until`; the clock ends at `until`.
   * `shouldStop` is asked before each event: when it says true the run pauses there
   * (the clock stays at the last event run) and the result is false; true means `until` was reached.
   */
  runUntil(until: number, shouldStop: () => boolean = () => false): boolean {
    while (this.heap.length > 0 && this.heap[0]!.at <= until) {
      if (shouldStop()) return false;
      const e = this.pop();
      if (this.cancelled.delete(e.seq)) continue;
      this.time = e.at;
      this.dispatched++;
      e.fn();
    }
    this.time = Math.max(this.time, until);
    return true;
  }

  /** Run until no events remain or `limit` events ran. */
  runAll(limit = Number.MAX_SAFE_INTEGER): void {
    let n = 0;
    while (this.heap.length > 0 && n++ < limit) {
      const e = this.pop();
      if (this.cancelled.delete(e.seq)) continue;
      this.time = e.at;
      this.dispatched++;
      e.fn();
    }
  }

  private push(e: Entry): void {
    const h = this.heap;
    h.push(e);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!before(h[i]!, h[p]!)) break;
      [h[i], h[p]] = [h[p]!, h[i]!];
      i = p;
    }
  }

  private pop(): Entry {
    const h = this.heap;
    const top = h[0]!;
    const last = h.pop()!;
    if (h.length > 0) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && before(h[l]!, h[m]!)) m = l;
        if (r < h.length && before(h[r]!, h[m]!)) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m]!, h[i]!];
        i = m;
      }
    }
    return top;
  }
}

/** Wall-clock time for real-time runs against a real broker. */
export class RealClock implements Clock {
  private readonly start = performance.now();
  private timers = new Map<number, NodeJS.Timeout>();
  private seq = 0;

  now(): number {
    return performance.now() - this.start;
  }
  at(at: number, fn: () => void): number {
    return this.after(at - this.now(), fn);
  }
  after(delay: number, fn: () => void): number {
    const id = ++this.seq;
    this.timers.set(
      id,
      setTimeout(() => {
        this.timers.delete(id);
        fn();
      }, Math.max(0, delay)),
    );
    return id;
  }
  cancel(handle: number): void {
    const t = this.timers.get(handle);
    if (t) clearTimeout(t);
    this.timers.delete(handle);
  }
  /** Stop every pending timer. */
  stop(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }
}
