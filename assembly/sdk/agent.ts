import { Body, Fields } from "./body";
import { Message } from "./bus";
import { Sensor } from "./sensor";

/**
 * The base of every agent. Override what you need; the kernel calls these
 * through the module's exports (see runtime.ts). Field initializers run at init,
 * after the host is ready, so `accel = sensor.open("accel0")` is fine.
 */
export abstract class Agent {
  /** Once, when the agent starts (and again after a restart). */
  init(): void {}
  /** A timer armed with clock.every / clock.after fired. */
  onTimer(id: i32): void {}
  /** A message on a subscribed topic arrived. */
  onMessage(msg: Message): void {}
  /** A watched sensor has new samples. */
  onSensor(s: Sensor): void {}
  /** State to hand to the next version in an update (null: nothing). */
  snapshot(): Body | null {
    return null;
  }
  /** State from the previous version's snapshot(). */
  restore(state: Fields): void {}
}
