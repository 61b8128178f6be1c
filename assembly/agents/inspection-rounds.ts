import { Agent, Fields, Message, Purse, TaskManager, bus, clock, log, newId, state } from "../sdk";

const NEXT = 1;
const TASK_TIMERS = 10;

/**
 * The site's routine rounds: tenders an inspection of each point of `points` (x, y pairs) in
 * turn, `everyMs` apart, the first at `firstAtMs`, by contract-net among the quadrupeds. Its
 * calls carry the `priority` (and `preempt`) the site policy gives it: routine rounds are
 * usually the lowest, so an urgent inspection may take their robot away; a task failed or
 * preempted is tendered again after `retryMs`.
 */
export class InspectionRounds extends Agent {
  cfg: Fields = state.config();
  task: TaskManager | null = null;
  purse: Purse = new Purse(state.config());
  point: i32 = 0;
  done: i32 = 0;

  init(): void {
    bus.subscribe("cnet/reply");
    clock.after(<i32>this.cfg.int("firstAtMs", 1000), NEXT);
  }

  tender(): void {
    const pts = this.cfg.f64s("points");
    if (pts.length < 2) {
      log.warn("no points to inspect in the config");
      return;
    }
    const k = (this.point % (pts.length / 2)) * 2;
    const t = new TaskManager(newId("round"), "inspect", this.purse.terms(bus.body().str("asset", "round").f64s("at", [pts[k], pts[k + 1]])), <i32>this.cfg.int("bidWindowMs", 500), TASK_TIMERS);
    t.priority = <i32>this.cfg.int("priority");
    t.preempt = this.cfg.bool("preempt");
    this.task = t;
    this.announce(t);
  }

  announce(t: TaskManager): void {
    this.purse.cap(t);
    t.announce(<i32>this.cfg.int("deadlineMs", 60000));
  }

  onTimer(id: i32): void {
    const t = this.task;
    if (id == NEXT) {
      if (t === null) this.tender();
      else this.announce(t);
      return;
    }
    if (t !== null && t.onTimer(id)) {
      this.purse.follow(t);
      this.after(t);
    }
  }

  onMessage(msg: Message): void {
    const t = this.task;
    if (t === null || !t.onMessage(msg)) return;
    this.purse.follow(t);
    this.after(t);
  }

  /** A round done goes on to the next point; one failed (or preempted) is tendered again. */
  after(t: TaskManager): void {
    if (t.state == "done") {
      this.done++;
      // a routine round has no second check: the report is taken as the outcome
      this.purse.settle(t, true);
      this.task = null;
      this.point++;
      clock.after(<i32>this.cfg.int("everyMs", 30000), NEXT);
    } else if (t.state == "failed") {
      const wait = <i32>this.cfg.int("retryMs", 3000);
      log.warn("round " + t.id + (t.preempted ? " preempted" : " failed") + ": tendering again in " + wait.toString() + " ms");
      t.state = "waiting";
      clock.after(wait, NEXT);
    }
  }
}
