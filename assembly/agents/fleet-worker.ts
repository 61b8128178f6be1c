import { Agent, Contractor, Fields, Message, TaskManager, bus, clock, log, newId, random, state } from "../sdk";

const DISPATCH = 1;
const WORK = 2;
const TASK_TIMERS = 10;

/**
 * A fleet member that bids for "deliver" jobs with its own cost and does them;
 * configured as a dispatcher it also puts a job out to tender periodically.
 */
export class FleetWorker extends Agent {
  cfg: Fields = state.config();
  me: Contractor = new Contractor(newId("w"), "deliver");
  task: TaskManager | null = null;
  busy: bool = false;
  bidTask: string = "";
  done: i32 = 0;
  awarded: i32 = 0;

  init(): void {
    bus.subscribe("cnet/cfp");
    bus.subscribe("cnet/award");
    if (this.cfg.bool("dispatch")) {
      bus.subscribe("cnet/reply");
      clock.every(<i32>this.cfg.int("everyMs", 10000), DISPATCH);
    }
  }

  onTimer(id: i32): void {
    const t = this.task;
    if (t !== null && t.onTimer(id)) {
      if (t.state == "failed") log.warn("job " + t.id + " failed");
      return;
    }
    if (id == DISPATCH) {
      const job = new TaskManager(newId("job"), "deliver", bus.body().f64("x", random.float() * 100).f64("y", random.float() * 100), 500, TASK_TIMERS);
      this.task = job;
      job.announce(<i32>this.cfg.int("deadlineMs", 8000));
    } else if (id == WORK && this.busy) {
      this.busy = false;
      this.done++;
      this.me.done(bus.body().int("jobs", this.done));
    }
  }

  onMessage(msg: Message): void {
    const t = this.task;
    if (t !== null && t.onMessage(msg)) {
      if (t.state == "done") this.awarded++;
      return;
    }
    const cfp = this.me.cfp(msg);
    if (cfp !== null) {
      if (this.busy) return;
      this.bidTask = cfp.str("task");
      this.me.bid(cfp, random.float() * 10, 1000 + random.float() * 2000);
      return;
    }
    const award = this.me.award(msg);
    if (award === null) return;
    if (this.busy || award.str("task") != this.bidTask) {
      this.me.refuse("busy");
      return;
    }
    this.me.accept();
    {
      this.busy = true;
      clock.after(1000 + <i32>(random.float() * 2000), WORK);
    }
  }
}
