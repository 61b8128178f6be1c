import { Agent, bus, clock } from "../../../assembly/sdk";

/** Publishes on two timers, then reads far outside its memory: an out-of-bounds trap. */
export class Crasher extends Agent {
  n: i32 = 0;
  init(): void {
    clock.every(50);
  }
  onTimer(id: i32): void {
    this.n++;
    if (this.n < 3) {
      bus.publish("test/crash", bus.body().int("n", this.n));
      return;
    }
    this.n += load<i32>(<usize>0x7ffffff0);
  }
}
