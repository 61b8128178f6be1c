import { Agent, Message, bus, clock, wallet } from "../../../assembly/sdk";

const WATCHED = 8;

/** Firmware test: pays what `test/pay` asks ({to, amount, ref}) from the device's wallet and
 *  publishes each transaction's answer on `test/wallet` ({handle, status, balance}) once it comes. */
export class Payer extends Agent {
  handles: i32[] = [];

  init(): void {
    bus.subscribe("test/pay");
    clock.every(10);
  }

  onMessage(msg: Message): void {
    const h = wallet.transfer(msg.body.str("to"), <f64>msg.body.int("amount"), msg.body.str("ref"));
    // a handle of 0 or below is the wallet's own refusal (no keys, bad field, no room): say so at once
    if (h <= 0) bus.publish("test/wallet", bus.body().int("handle", h).int("status", h).f64("balance", wallet.balance()));
    else if (this.handles.length < WATCHED) this.handles.push(h);
  }

  onTimer(id: i32): void {
    for (let i = 0; i < this.handles.length; i++) {
      const h = this.handles[i];
      const s = wallet.status(h);
      if (s == wallet.PENDING) continue;
      bus.publish("test/wallet", bus.body().int("handle", h).int("status", s).f64("balance", wallet.balance()));
      this.handles.splice(i, 1);
      i--;
    }
  }
}
