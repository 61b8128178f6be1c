import { Agent, Sensor, bus, clock, random, sensor, state } from "../sdk";

/** Shares this device's state vector (battery, load) with the site every few seconds. */
export class StateSharer extends Agent {
  battery: Sensor = sensor.open("battery0");
  load: f64 = 0;

  init(): void {
    const period = <i32>state.config().int("periodMs", 5000);
    // spread the fleet's updates over the period instead of all at once
    clock.after(<i32>(random.float() * <f64>period) + 1, 1);
  }

  onTimer(id: i32): void {
    if (id == 1) clock.every(<i32>state.config().int("periodMs", 5000), 2);
    this.load = 0.8 * this.load + 0.2 * random.float();
    bus.publish("presence/state", bus.body().f32("battery", this.battery.mean(1)).f64("load", this.load).f64("t", clock.now()));
  }
}
