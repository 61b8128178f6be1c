// Runs the virtual clock in short bursts of wall time, handing the event loop back in
// between: a long simulation stays responsive to Ctrl-C (signal handlers only run when
// the loop turns) and to I/O, and the virtual trace is the same as one long burst.
import type { VirtualClock } from "../kernel/index.ts";

/** Wall time a burst may take before the event loop gets a turn. */
const BURST_MS = 50;
/** Events between looks at the wall clock (performance.now() is cheap, but not free). */
const CHECK_EVERY = 64;

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Runs `clock` up to `until`; resolves false if `shouldStop` said so before it got there. */
export async function runYielding(clock: VirtualClock, until: number, shouldStop: () => boolean): Promise<boolean> {
  for (;;) {
    if (shouldStop()) return false;
    const end = performance.now() + BURST_MS;
    let n = 0;
    const pause = () => ++n % CHECK_EVERY === 0 && performance.now() > end;
    if (clock.runUntil(until, pause)) return true;
    await turn();
  }
}
