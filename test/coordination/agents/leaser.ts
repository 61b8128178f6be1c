import { Agent, LeaseClient, Message, bus, clock, state } from "../../../assembly/sdk";

/** Wants resource "arm0" from `start` ms on, for `hold` ms (0: until it dies); reports on test/lease. */
export class Leaser extends Agent {
  lease: LeaseClient = new LeaseClient("arm0", <i32>state.config().int("ttl", 600), 120);
  hold: i32 = <i32>state.config().int("hold", 0);
  wasHeld: bool = false;

  init(): void {
    clock.after(max(1, <i32>state.config().int("start", 1)), 1);
    clock.every(20, 3);
  }

  onTimer(id: i32): void {
    if (id == 1) this.lease.acquire();
    else if (id == 2) this.lease.release();
    else this.lease.onTimer(id);
    this.report();
  }

  onMessage(msg: Message): void {
    this.lease.onMessage(msg);
    this.report();
  }

  report(): void {
    const held = this.lease.held();
    if (held == this.wasHeld) return;
    this.wasHeld = held;
    if (held && this.hold > 0) clock.after(this.hold, 2);
    bus.publish("test/lease", bus.body().bool("held", held).int("fence", this.lease.fence).f64("at", clock.now()).str("me", this.lease.me), 0);
  }
}
