import { Agent, Fields, Message, Purse, TaskManager, bus, clock, log, newId, state } from "../sdk";

const SLOTS = 8;

/** Gets every flagged item off the line: tenders a move to the quality station among the mobile robots. */
export class MaterialHandler extends Agent {
  cfg: Fields = state.config();
  tasks: Array<TaskManager | null> = new Array<TaskManager | null>(SLOTS);
  items: i64[] = new Array<i64>(SLOTS);
  moved: i32 = 0;
  purse: Purse = new Purse(state.config());
  // moves reported done, paid when the quality station attests it has the item (qc/result)
  awaiting: i64[] = [];
  awaitingTask: string[] = [];

  init(): void {
    bus.subscribe("event/defect");
    bus.subscribe("cnet/reply");
    bus.subscribe("qc/result");
  }

  onMessage(msg: Message): void {
    if (msg.topic == "qc/result") {
      const k = this.awaiting.indexOf(msg.body.int("item"));
      if (k >= 0) {
        this.purse.settleTask(this.awaitingTask[k], true);
        this.awaiting.splice(k, 1);
        this.awaitingTask.splice(k, 1);
      }
      return;
    }
    if (msg.topic == "event/defect") {
      for (let i = 0; i < SLOTS; i++) {
        if (this.tasks[i] !== null) continue;
        const item = msg.body.int("item");
        const spec = bus.body().int("item", item).f64s("from", msg.body.f64s("at")).f64s("to", this.cfg.f64s("qc"));
        const t = new TaskManager(newId("move"), "move", this.purse.terms(spec), 500, 10 + 3 * i);
        t.priority = <i32>this.cfg.int("priority");
        t.preempt = this.cfg.bool("preempt");
        this.tasks[i] = t;
        this.items[i] = item;
        this.purse.cap(t);
        t.announce(<i32>this.cfg.int("deadlineMs", 60000));
        return;
      }
      log.warn("all move slots busy: item " + msg.body.int("item").toString() + " waits for the next defect event");
      return;
    }
    for (let i = 0; i < SLOTS; i++) {
      const t = this.tasks[i];
      if (t === null || !t.onMessage(msg)) continue;
      this.purse.follow(t);
      if (t.state == "done") {
        this.moved++;
        if (this.awaiting.length >= 8) {
          this.awaiting.shift();
          this.awaitingTask.shift();
        }
        this.awaiting.push(this.items[i]);
        this.awaitingTask.push(t.id);
        bus.publish("line/removed", bus.body().int("item", this.items[i]).str("by", t.contractor), 1);
        this.tasks[i] = null;
      } else if (t.state == "failed") {
        // every bidder refused: try again shortly
        clock.after(<i32>this.cfg.int("retryMs", 3000), t.timerBase + 2);
      }
      return;
    }
  }

  onTimer(id: i32): void {
    for (let i = 0; i < SLOTS; i++) {
      const t = this.tasks[i];
      if (t === null) continue;
      // the slot's third timer: the pause before tendering again
      if (id == t.timerBase + 2) {
        this.purse.cap(t);
        t.announce(<i32>this.cfg.int("deadlineMs", 60000));
        return;
      }
      if (t.onTimer(id)) {
        this.purse.follow(t);
        if (t.state == "failed") {
          const wait = <i32>this.cfg.int("retryMs", 3000);
          log.warn("moving item " + this.items[i].toString() + " failed (no free robot or no report): tendering again in " + wait.toString() + " ms");
          clock.after(wait, t.timerBase + 2);
        }
        return;
      }
    }
  }
}
