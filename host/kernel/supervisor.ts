// Restart with backoff; after too many faults in a window, quarantine. The same
// policy a micro-ROS or Erlang supervisor applies, scaled to an MCU.

export interface SupervisorPolicy {
  /** first restart delay */
  restartBaseMs: number;
  /** longest restart delay */
  restartMaxMs: number;
  /** faults within windowMs that quarantine the agent */
  maxFaults: number;
  windowMs: number;
}

export const DEFAULT_POLICY: SupervisorPolicy = { restartBaseMs: 100, restartMaxMs: 10_000, maxFaults: 3, windowMs: 60_000 };

export type Verdict = { action: "restart"; delayMs: number } | { action: "quarantine"; faults: number };

export class Supervisor {
  private faults: number[] = [];
  constructor(private readonly policy: SupervisorPolicy = DEFAULT_POLICY) {}

  /** Records a fault at `now` and says what to do. */
  onFault(now: number): Verdict {
    this.faults = this.faults.filter((t) => now - t < this.policy.windowMs);
    this.faults.push(now);
    const n = this.faults.length;
    if (n >= this.policy.maxFaults) return { action: "quarantine", faults: n };
    return { action: "restart", delayMs: Math.min(this.policy.restartMaxMs, this.policy.restartBaseMs * 2 ** (n - 1)) };
  }

  reset(): void {
    this.faults = [];
  }
}
