// A contractor between two managers: which award it takes when several want it, by the
// priority the site policy gives each manager (the kernel checked what the award carries).
// Offered at once (within the award window): the higher priority wins, then the earlier
// call, then the smaller task id; the others are refused with the winner's priority named.
// Already holding a job: a higher-priority award takes the contractor off it only when that
// manager may preempt (the old job is reported failed, "preempted by <task>", so its manager
// tenders it again and returns the bond); otherwise the newcomer is refused.
import { Fields } from "./body";
import { clock } from "./clock";
import { Contractor } from "./tasks";

const CALLS_KEPT = 8;

/** An award as it is ranked against another. */
export class Offer {
  constructor(public task: string, public round: i32, public priority: i32, public preempt: bool, public calledAt: f64) {}
}

/** true when a goes before b: higher priority, then the earlier call, then the smaller task id (a total order: the same choice on every run). */
export function goesBefore(a: Offer, b: Offer): bool {
  if (a.priority != b.priority) return a.priority > b.priority;
  if (a.calledAt != b.calledAt) return a.calledAt < b.calledAt;
  return a.task < b.task;
}

/** Where a contractor weighs competing awards. Uses one timer (`timerId`) for the award window. */
export class AwardDesk {
  /** the job taken (valid while the contractor's task is this one) */
  held: Offer | null = null;
  offers: Offer[] = [];
  private calls: string[] = [];
  private calledAt: f64[] = [];

  constructor(public me: Contractor, public windowMs: i32, public timerId: i32) {}

  /** Remembers when a call was seen: the tie-break between equal priorities. */
  saw(cfp: Fields): void {
    if (this.calls.length >= CALLS_KEPT) {
      this.calls.shift();
      this.calledAt.shift();
    }
    this.calls.push(cfp.str("task"));
    this.calledAt.push(clock.now());
  }

  /** The job this contractor holds, or null. */
  holding(): Offer | null {
    const h = this.held;
    return h !== null && this.me.task != "" && this.me.task == h.task ? h : null;
  }

  /** A call worth bidding for while busy: it outranks the job held and its manager may preempt. */
  mayTakeOver(cfp: Fields): bool {
    const h = this.holding();
    return h !== null && <i32>cfp.int("priority") > h.priority && cfp.bool("preempt");
  }

  /**
   * An award to this contractor (from Contractor.award). Returns the task taken now ("" if
   * none yet: refused, or waiting for the window to close). Taking over a held job reports
   * that one failed first.
   */
  offer(award: Fields): string {
    const task = award.str("task");
    const k = this.calls.indexOf(task);
    const o = new Offer(task, <i32>award.int("round"), <i32>award.int("priority"), award.bool("preempt"), k >= 0 ? unchecked(this.calledAt[k]) : clock.now());
    const h = this.holding();
    if (h !== null) {
      if (o.priority > h.priority && o.preempt) {
        this.me.failed("preempted by " + o.task + " (priority " + o.priority.toString() + " over " + h.priority.toString() + ")");
        return this.take(o);
      }
      this.me.choose(o.task, o.round);
      this.me.refuse("busy with " + h.task + " of priority " + h.priority.toString() + (o.priority > h.priority ? ", and " + o.task + " may not preempt it" : ""));
      return "";
    }
    if (this.windowMs <= 0) return this.take(o);
    this.offers.push(o);
    if (this.offers.length == 1) clock.after(this.windowMs, this.timerId);
    return "";
  }

  /** The award window closed (call from onTimer with timerId): takes the first-ranked offer, refuses the rest naming it. */
  decide(): string {
    const offers = this.offers;
    this.offers = [];
    if (offers.length == 0) return "";
    let best = unchecked(offers[0]);
    for (let i = 1; i < offers.length; i++) if (goesBefore(unchecked(offers[i]), best)) best = unchecked(offers[i]);
    for (let i = 0; i < offers.length; i++) {
      const o = unchecked(offers[i]);
      if (o === best) continue;
      this.me.choose(o.task, o.round);
      this.me.refuse("offered " + best.task + " of priority " + best.priority.toString() + " at once (this one: " + o.priority.toString() + ")");
    }
    return this.take(best);
  }

  private take(o: Offer): string {
    this.me.choose(o.task, o.round);
    this.me.accept();
    this.held = o;
    return o.task;
  }
}
