// Reputation of contractors, as evidence shared over the bus. Whoever checks a
// contract's outcome (a manager's own timers and refusals, a verifier that
// looks again with its own sensors) publishes it on `rep/outcome`; every
// manager that listens folds it into a beta score (s + 1) / (s + f + 2), so a
// contractor's record follows it from one manager to the next. Who may publish
// `rep/outcome` is whatever the manifests and the site policy allow, and under
// a sealed network every outcome is a signed envelope (docs/governance.md,
// "Reputation").
import { Message, bus } from "./bus";
import { random } from "./random";

/**
 * How much each outcome counts. Only a verifier's "confirmed" is a success: a report taken at
 * its word proves nothing. A lie ("contradicted") weighs more than a failure, a refusal (said
 * before any work was started) less, so one honest failure does not bar a contractor for good.
 */
export function outcomeSuccess(outcome: string): f64 {
  return outcome == "confirmed" ? 1 : 0;
}

export function outcomeFailure(outcome: string): f64 {
  if (outcome == "contradicted") return 2;
  if (outcome == "no-show" || outcome == "failed") return 1;
  if (outcome == "refused") return 0.5;
  return 0;
}

/** The outcomes a record can carry; anything else on the wire is ignored. */
export function knownOutcome(outcome: string): bool {
  return outcomeSuccess(outcome) > 0 || outcomeFailure(outcome) > 0;
}

// A manager hears few contractors; past this the least-known record makes room.
const MAX_RECORDS = 16;

export class BidderRecord {
  successes: f64 = 0;
  failures: f64 = 0;
  constructor(public bidder: string) {}

  /** Beta reputation: 0.5 for a stranger, towards 1 with successes, towards 0 with failures. */
  score(): f64 {
    return (this.successes + 1) / (this.successes + this.failures + 2);
  }
}

export class Reputation {
  records: BidderRecord[] = [];
  /** this instance's name on the wire, so its own outcomes heard back are not counted twice */
  readonly id: string = "rep-" + random.uint().toString(16);

  /** floor: bidders scoring below it are not awarded */
  constructor(public floor: f64 = 0.3) {}

  score(bidder: string): f64 {
    const r = this.find(bidder);
    return r === null ? 0.5 : r.score();
  }

  /** Whether a bidder may be awarded at all. */
  trusted(bidder: string): bool {
    return this.score(bidder) >= this.floor;
  }

  /** Folds one outcome in locally; false for an outcome this SDK does not know. */
  record(bidder: string, outcome: string): bool {
    if (bidder.length == 0 || !knownOutcome(outcome)) return false;
    let r = this.find(bidder);
    if (r === null) {
      if (this.records.length >= MAX_RECORDS) this.records.splice(this.leastKnown(), 1);
      r = new BidderRecord(bidder);
      this.records.push(r);
    }
    r.successes += outcomeSuccess(outcome);
    r.failures += outcomeFailure(outcome);
    return true;
  }

  /** Records an outcome and tells every other manager (needs `rep/outcome` in the manifest's publish list). */
  report(task: string, bidder: string, outcome: string): void {
    if (!this.record(bidder, outcome)) return;
    bus.publish("rep/outcome", bus.body().str("kind", "rep.outcome").str("task", task).str("bidder", bidder).str("outcome", outcome).str("by", this.id), 1);
  }

  /** Feed every message here; true when it was an outcome from another manager and was counted. */
  onMessage(msg: Message): bool {
    const b = msg.body;
    if (b.str("kind") != "rep.outcome" || b.str("by") == this.id) return false;
    return this.record(b.str("bidder"), b.str("outcome"));
  }

  private find(bidder: string): BidderRecord | null {
    for (let i = 0; i < this.records.length; i++) if (unchecked(this.records[i]).bidder == bidder) return unchecked(this.records[i]);
    return null;
  }

  private leastKnown(): i32 {
    let k = 0;
    for (let i = 1; i < this.records.length; i++) {
      const a = unchecked(this.records[i]);
      const b = unchecked(this.records[k]);
      if (a.successes + a.failures < b.successes + b.failures) k = i;
    }
    return k;
  }
}
