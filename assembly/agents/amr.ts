import { Actuator, Agent, AwardDesk, Bond, Contractor, Fields, Message, Sensor, actuator, bus, geo, clock, newId, price, sensor, state, wallet } from "../sdk";

const TICK = 1;
const AWARD_WINDOW = 2;
const BIDS_KEPT = 4;

/**
 * A mobile robot: bids for moves by the distance to the pick-up and its battery, fetches and
 * delivers. Two managers can want it at once: its AwardDesk takes the award of the higher
 * priority the site gives (config `awardWindowMs` to weigh awards offered together), and a
 * manager that may preempt takes it off a lower-priority move.
 */
export class Amr extends Agent {
  pos: Sensor = sensor.open("pos0");
  battery: Sensor = sensor.open("battery0");
  drive: Actuator = actuator.open("drive0");
  cfg: Fields = state.config();
  me: Contractor = new Contractor(newId("amr"), "move");
  bond: Bond = new Bond();
  desk: AwardDesk = new AwardDesk(this.me, <i32>state.config().int("awardWindowMs"), AWARD_WINDOW);
  // the open bids: calls can overlap
  bidTasks: string[] = [];
  bidSpecs: Fields[] = [];
  from: f64[] = [];
  to: f64[] = [];
  leg: i32 = 0; // 0 idle, 1 to pick-up, 2 to drop-off
  item: i64 = -1;

  init(): void {
    bus.subscribe("cnet/cfp");
    bus.subscribe("cnet/award");
    clock.every(250, TICK);
  }

  onMessage(msg: Message): void {
    const cfp = this.me.cfp(msg);
    if (cfp !== null) {
      if (this.leg != 0 && !this.desk.mayTakeOver(cfp)) return;
      const spec = cfp.map("spec");
      const from = spec.f64s("from");
      if (from.length != 2) return;
      const level = <f64>this.battery.mean(1);
      if (level < this.cfg.f64("reserve", 0.15)) return;
      const p = this.pos.read(4);
      const eta = (geo.distance(p[0], p[1], from[0], from[1]) / this.cfg.f64("speed", 1)) * 1000;
      if (this.bidTasks.length >= BIDS_KEPT) {
        this.bidTasks.shift();
        this.bidSpecs.shift();
      }
      this.bidTasks.push(cfp.str("task"));
      this.bidSpecs.push(spec);
      this.desk.saw(cfp);
      const to = spec.f64s("to");
      const metres = geo.distance(p[0], p[1], from[0], from[1]) + (to.length == 2 ? geo.distance(from[0], from[1], to[0], to[1]) : 0);
      const pr = price(this.cfg, metres, metres / this.cfg.f64("speed", 1), level);
      this.bond.quote(cfp, pr);
      this.me.bid(cfp, eta / 1000 + (1 - level) * 30, eta, wallet.id() != "" ? pr : -1, wallet.id());
      return;
    }
    const award = this.me.award(msg);
    if (award === null) return;
    if (this.bidTasks.indexOf(award.str("task")) < 0) {
      this.me.refuse("no bid for " + award.str("task"));
      return;
    }
    // the desk refuses it while a move of equal or higher priority runs, or takes it over one
    this.start(this.desk.offer(award));
  }

  /** Works on the move the desk took (accepted already): posts the bond and drives to the pick-up. */
  start(task: string): void {
    const k = this.bidTasks.indexOf(task);
    if (task == "" || k < 0) return;
    const spec = this.bidSpecs[k];
    this.from = spec.f64s("from");
    this.to = spec.f64s("to");
    this.item = spec.int("item");
    this.leg = 0;
    if (!this.bond.post(this.me)) {
      this.me.failed("cannot post the bond");
      return;
    }
    {
      this.leg = 1;
      if (!this.drive.command(bus.body().f64s("goto", this.from))) {
        this.leg = 0;
        this.me.failed("no path to the pick-up");
      }
    }
  }

  onTimer(id: i32): void {
    if (id == AWARD_WINDOW) {
      this.start(this.desk.decide());
      return;
    }
    if (this.leg == 0) return;
    const p = this.pos.read(4);
    if (p[2] != 0) return;
    const goal = this.leg == 1 ? this.from : this.to;
    if (geo.distance(p[0], p[1], goal[0], goal[1]) > 1.5) {
      this.leg = 0;
      this.me.failed("stopped short");
      return;
    }
    if (this.leg == 1) {
      this.leg = 2;
      this.me.progress(0.5);
      this.drive.command(bus.body().f64s("goto", this.to));
      return;
    }
    this.leg = 0;
    this.me.done(bus.body().int("item", this.item));
    const home = this.cfg.f64s("home");
    if (home.length == 2) this.drive.command(bus.body().f64s("goto", home));
  }
}
