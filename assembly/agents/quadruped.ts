import { Actuator, Agent, AwardDesk, Bond, Contractor, Fields, Message, Sensor, actuator, bus, geo, clock, log, newId, price, sensor, state, wallet } from "../sdk";

const TICK = 1;
const FAKE_REPORT = 2;
const AWARD_WINDOW = 3;
const BIDS_KEPT = 4;

/**
 * A legged inspection robot: bids for inspection tasks with the time it needs
 * to get there and what the walk costs its battery, walks there when awarded
 * (its navigation plans around obstacles), puts its vibration probe on the
 * machine and reports.
 *
 * With `deceive: true` it is the fleet's liar, there to test reputation: it
 * claims a speed it does not have (`claimSpeed`, default four times its own)
 * and a full battery, so it bids low with a short eta, and when awarded it
 * stays where it is and reports the machine healthy once its claimed eta is up.
 *
 * Two managers can want it at once (assembly/sdk/conflicts.ts): awards that come within
 * `awardWindowMs` (default 0: the first is taken) go to the higher priority; while it works,
 * it bids only for a call that outranks its job and may preempt, and drops the job for it.
 */
export class Quadruped extends Agent {
  pos: Sensor = sensor.open("pos0");
  battery: Sensor = sensor.open("battery0");
  probe: Sensor = sensor.open("probe0");
  legs: Actuator = actuator.open("legs0");
  cfg: Fields = state.config();
  me: Contractor = new Contractor(newId("quad"), "inspect");
  bond: Bond = new Bond();
  desk: AwardDesk = new AwardDesk(this.me, <i32>state.config().int("awardWindowMs"), AWARD_WINDOW);
  // the open bids: two managers' calls can overlap
  bidTasks: string[] = [];
  bidAts: f64[][] = [];
  fakeEtas: f64[] = [];
  bidTask: string = "";
  bidAt: f64[] = [];
  walking: bool = false;
  faking: bool = false;
  fakeEta: f64 = 0;
  ticks: i32 = 0;

  init(): void {
    bus.subscribe("cnet/cfp");
    bus.subscribe("cnet/award");
    clock.every(250, TICK);
  }

  onMessage(msg: Message): void {
    const cfp = this.me.cfp(msg);
    if (cfp !== null) {
      if ((this.walking || this.faking) && !this.desk.mayTakeOver(cfp)) return;
      const level = <f64>this.battery.mean(1);
      const at = cfp.map("spec").f64s("at");
      if (at.length != 2) return;
      const p = this.pos.read(4);
      const metres = geo.distance(p[0], p[1], at[0], at[1]);
      const speed = this.cfg.f64("speed", 1);
      if (this.cfg.bool("deceive")) {
        const fakeEta = (metres / this.cfg.f64("claimSpeed", 4 * speed)) * 1000;
        this.remember(cfp, at, fakeEta);
        // priced as if the claims were true: a short walk on a full battery
        const fakePrice = price(this.cfg, metres, fakeEta / 1000, 1);
        this.bond.quote(cfp, fakePrice);
        this.me.bid(cfp, fakeEta / 1000, fakeEta, wallet.id() != "" ? fakePrice : -1, wallet.id());
        return;
      }
      // the walk there and back must leave a reserve
      const need = (2 * metres * this.cfg.f64("joulesPerMetre", 20)) / (this.cfg.f64("capacityWh", 10) * 3600);
      if (level - need < this.cfg.f64("reserve", 0.2)) {
        log.info("not bidding for " + cfp.str("task") + ": battery " + level.toString());
        return;
      }
      const eta = (metres / speed) * 1000;
      this.remember(cfp, at, 0);
      const pr = price(this.cfg, metres, eta / 1000, level);
      this.bond.quote(cfp, pr);
      this.me.bid(cfp, eta / 1000 + (1 - level) * 60, eta, wallet.id() != "" ? pr : -1, wallet.id());
      return;
    }
    const award = this.me.award(msg);
    if (award === null) return;
    if (this.bidTasks.indexOf(award.str("task")) < 0) {
      this.me.refuse("no bid for " + award.str("task"));
      return;
    }
    this.start(this.desk.offer(award));
  }

  /** Keeps what a bid was for, so that whichever award comes can be served. */
  remember(cfp: Fields, at: f64[], fakeEta: f64): void {
    if (this.bidTasks.length >= BIDS_KEPT) {
      this.bidTasks.shift();
      this.bidAts.shift();
      this.fakeEtas.shift();
    }
    this.bidTasks.push(cfp.str("task"));
    this.bidAts.push(at);
    this.fakeEtas.push(fakeEta);
    this.desk.saw(cfp);
  }

  /** Works on the task the desk took (accepted already): posts the bond and walks (or fakes it). */
  start(task: string): void {
    const k = this.bidTasks.indexOf(task);
    if (task == "" || k < 0) return;
    this.bidTask = task;
    this.bidAt = this.bidAts[k];
    this.fakeEta = this.fakeEtas[k];
    this.walking = false;
    this.faking = false;
    if (!this.bond.post(this.me)) {
      this.me.failed("cannot post the bond");
      return;
    }
    if (this.cfg.bool("deceive")) {
      this.faking = true;
      clock.after(<i32>Math.max(1, this.fakeEta), FAKE_REPORT);
      return;
    }
    {
      log.info("won " + this.bidTask + ": walking to (" + this.bidAt[0].toString() + ", " + this.bidAt[1].toString() + ")");
      if (!this.legs.command(bus.body().f64s("goto", this.bidAt))) {
        this.me.failed("no path");
        return;
      }
      this.walking = true;
      this.ticks = 0;
    }
  }

  onTimer(id: i32): void {
    if (id == AWARD_WINDOW) {
      this.start(this.desk.decide());
      return;
    }
    if (id == FAKE_REPORT && this.faking) {
      // no walk, no probe: a made-up healthy reading
      this.faking = false;
      this.me.done(bus.body().f64("rms", 0.1).bool("fault", false));
      return;
    }
    if (id != TICK || !this.walking) return;
    const p = this.pos.read(4);
    this.ticks++;
    if (p[2] != 0) {
      if (this.ticks % 8 == 0) this.me.progress(0.5);
      return;
    }
    if (geo.distance(p[0], p[1], this.bidAt[0], this.bidAt[1]) > 2) {
      this.walking = false;
      this.me.failed("stopped short");
      return;
    }
    this.walking = false;
    const rms = this.probe.rms(256);
    log.info("probe on the machine: rms " + rms.toString());
    this.me.done(bus.body().f64("rms", <f64>rms).bool("fault", rms > <f32>this.cfg.f64("rmsLimit", 0.8)));
    const home = this.cfg.f64s("home");
    if (home.length == 2) this.legs.command(bus.body().f64s("goto", home));
  }
}
