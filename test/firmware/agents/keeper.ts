import { Agent, Sensor, bus, log, random, sensor, state } from "../../../assembly/sdk";

/** Exercises state, random, log and sensor watches: counts its sensor events in its store. */
export class Keeper extends Agent {
  accel: Sensor = sensor.open("accel0");
  init(): void {
    this.accel.watch(250);
  }
  onSensor(s: Sensor): void {
    const n = state.getF64("count") + 1;
    state.setF64("count", n);
    // a value longer than the SDK's first read buffer, and one that comes and goes
    state.setString("note", "sample window " + n.toString() + " ".repeat(80));
    if (<i32>n % 3 == 0) state.remove("note");
    const r = random.uint();
    log.info("keeper " + n.toString() + (r == 0 ? " zero" : ""));
    bus.publish("test/keeper", bus.body().f64("count", n).int("note", state.getString("note").length).f32("rms", s.rms(16)));
  }
}
