import { Agent, bus, clock } from "../sdk";

/** Tells the fleet this device is alive, once a second. */
export class Heartbeat extends Agent {
  beats: i64 = 0;

  init(): void {
    clock.every(1000);
  }

  onTimer(id: i32): void {
    this.beats++;
    bus.publish("presence/heartbeat", bus.body().int("n", this.beats).f64("uptime", clock.now()));
  }
}
