import { Agent, LeaseServer, Message } from "../../../assembly/sdk";

/** Owns resource "arm0": grants leases on it. */
export class Owner extends Agent {
  server: LeaseServer = new LeaseServer("arm0", 60000, 130);

  init(): void {
    this.server.start();
  }

  onTimer(id: i32): void {
    this.server.onTimer(id);
  }

  onMessage(msg: Message): void {
    this.server.onMessage(msg);
  }
}
