import { Actuator, Agent, Fields, Message, Purse, Reputation, Sensor, TaskManager, actuator, bus, clock, log, model, newId, sensor, state } from "../sdk";

const SCAN = 1;
const TASK_TIMERS = 10;

/**
 * Flies a patrol, listens to the machines it passes with the anomaly-detection
 * autoencoder, and when a machine sounds wrong twice in a row puts an
 * inspection out to tender (contract-net). When the winner reports, it flies
 * over to confirm with its own ears. A report its ears contradict does not
 * count: the machine is tendered again. With `reputation: true` it publishes
 * each check's outcome on `rep/outcome` and awards by cost over reputation
 * (assembly/sdk/reputation.ts); with `rearm: true` a fault that clears (the
 * machine sounds normal again) can be tendered anew when it comes back.
 */
export class DroneInspector extends Agent {
  pos: Sensor = sensor.open("pos0");
  mic: Sensor = sensor.open("vib0");
  rotor: Actuator = actuator.open("rotor0");
  cfg: Fields = state.config();
  input: Int8Array = new Int8Array(640);
  output: Int8Array = new Int8Array(640);
  high: i32 = 0;
  task: TaskManager | null = null;
  purse: Purse = new Purse(state.config());
  confirming: bool = false;
  inspections: i32 = 0;
  // once a fault is confirmed it is known: the drone keeps listening but does not tender again
  known: bool = false;
  normal: i32 = 0;
  rep: Reputation | null = null;

  init(): void {
    this.rotor.command(bus.body().f64s("patrol", this.cfg.f64s("route")));
    bus.subscribe("cnet/reply");
    if (this.cfg.bool("reputation")) {
      this.rep = new Reputation(this.cfg.f64("reputationFloor", 0.3));
      bus.subscribe("rep/outcome");
    }
    clock.every(500, SCAN);
  }

  /** Reconstruction error of what the microphone hears now; -1 when no machine is in range. */
  score(): f64 {
    const x = this.mic.read(640);
    if (x.length < 640 || isNaN(x[0])) return -1;
    const inScale = this.cfg.f64("inScale", 1);
    const inZero = <i32>this.cfg.int("inZero");
    const outScale = this.cfg.f64("outScale", 1);
    const outZero = <i32>this.cfg.int("outZero");
    for (let i = 0; i < 640; i++) {
      const q = <i32>Math.round(<f64>unchecked(x[i]) / inScale) + inZero;
      unchecked((this.input[i] = <i8>(q < -128 ? -128 : q > 127 ? 127 : q)));
    }
    if (model.invoke("ad", this.input, this.output) != 640) return -1;
    let err: f64 = 0;
    for (let i = 0; i < 640; i++) {
      const a = <f64>(<i32>unchecked(this.input[i]) - inZero) * inScale;
      const b = <f64>(<i32>unchecked(this.output[i]) - outZero) * outScale;
      err += (a - b) * (a - b);
    }
    return err / 640;
  }

  onTimer(id: i32): void {
    const t = this.task;
    if (t !== null && t.onTimer(id)) {
      this.purse.follow(t);
      if (t.state == "failed") {
        log.warn("inspection " + t.id + " failed in round " + t.round.toString() + ": tendering again");
        this.purse.cap(t);
        t.announce(<i32>this.cfg.int("deadlineMs", 120000));
      }
      return;
    }
    if (id != SCAN) return;
    if (this.confirming) {
      const p = this.pos.read(4);
      if (p[2] != 0) return;
      const s = this.score();
      const anomaly = s > this.cfg.f64("threshold", 200);
      const agrees = t === null || t.result.bool("fault") == anomaly;
      const confirmed = bus.body().f64("score", s).bool("anomaly", anomaly).str("task", t !== null ? t.id : "").str("inspector", t !== null ? t.contractor : "");
      const rep = this.rep;
      if (rep !== null) confirmed.bool("agrees", agrees);
      bus.publish("event/confirmed", confirmed, 1);
      log.info("confirmed over the pump: score " + s.toString());
      if (!agrees) log.warn("the inspection report of " + (t !== null ? t.contractor : "") + " is contradicted by what the drone hears");
      if (rep !== null && t !== null) rep.report(t.id, t.contractor, agrees ? "confirmed" : "contradicted");
      // the manager's check: the contractor's report agrees with what the drone hears itself
      if (t !== null) this.purse.settle(t, agrees);
      this.confirming = false;
      // a fault is known only when the inspector's report and the drone's ears agree on it
      this.known = anomaly && agrees;
      this.normal = 0;
      this.task = null;
      this.high = 0;
      this.rotor.command(bus.body().f64s("patrol", this.cfg.f64s("route")));
      return;
    }
    if (t !== null) return;
    if (this.known) {
      if (this.cfg.bool("rearm")) this.listenForRecovery();
      return;
    }
    const s = this.score();
    if (s < 0) return;
    // every scan's score, best effort: what a dashboard or the report plots over time
    bus.publish("telemetry/score", bus.body().str("asset", this.cfg.str("asset", "pump")).f64("score", s), 0);
    this.high = s > this.cfg.f64("threshold", 200) ? this.high + 1 : 0;
    if (this.high < 2) return;
    const at = this.cfg.f64s("pump");
    const p = this.pos.read(4);
    log.warn("abnormal sound: reconstruction error " + s.toString() + " at (" + p[0].toString() + ", " + p[1].toString() + ")");
    bus.publish("event/anomaly", bus.body().str("asset", this.cfg.str("asset", "pump")).f64("score", s).f64s("at", at), 1);
    this.inspections++;
    const task = new TaskManager(newId("inspect"), "inspect", this.purse.terms(bus.body().str("asset", this.cfg.str("asset", "pump")).f64s("at", at)), 1500, TASK_TIMERS);
    task.reputation = this.rep;
    // what the site policy gives this manager (docs/governance.md, "Task conflicts"): the kernel refuses any other claim
    task.priority = <i32>this.cfg.int("priority");
    task.preempt = this.cfg.bool("preempt");
    this.task = task;
    this.purse.cap(task);
    task.announce(<i32>this.cfg.int("deadlineMs", 120000));
  }

  /** A known fault that the drone hears as normal twice in a row has cleared (repaired, or intermittent). */
  listenForRecovery(): void {
    const s = this.score();
    if (s < 0) return;
    this.normal = s > this.cfg.f64("threshold", 200) ? 0 : this.normal + 1;
    if (this.normal < 2) return;
    log.info(this.cfg.str("asset", "pump") + " sounds normal again: score " + s.toString());
    this.known = false;
    this.normal = 0;
    this.high = 0;
  }

  onMessage(msg: Message): void {
    const rep = this.rep;
    if (rep !== null && rep.onMessage(msg)) return;
    const t = this.task;
    if (t === null || !t.onMessage(msg)) return;
    this.purse.follow(t);
    if (t.state == "done" && !this.confirming) {
      log.info("inspection reported by " + t.contractor + ": probe rms " + t.result.f64("rms").toString());
      this.confirming = true;
      this.rotor.command(bus.body().f64s("goto", this.cfg.f64s("pump")));
    }
  }
}
