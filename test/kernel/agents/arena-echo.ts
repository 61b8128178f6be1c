import { Agent, Message, bus, clock } from "../../../assembly/sdk";

/**
 * Test agent on the per-event arena: keeps what init allocated (a string and a
 * buffer) and allocates about 3 KB per event, so 1,000 events in its one page
 * work only if every event's allocations are given back.
 */
export class ArenaEcho extends Agent {
  name: string = "arena-" + "\u00e9".repeat(3);
  table: Uint8Array = new Uint8Array(64);
  ticks: i32 = 0;

  init(): void {
    for (let i = 0; i < this.table.length; i++) this.table[i] = <u8>i;
    bus.subscribe("test/in");
    clock.every(1);
  }

  onTimer(id: i32): void {
    this.ticks++;
    let sum = 0;
    for (let i = 0; i < this.table.length; i++) sum += this.table[i];
    const filler = "x".repeat(1000 + (this.ticks % 7));
    bus.publish("test/timer", bus.body().int("n", this.ticks).str("name", this.name).int("sum", sum).str("filler", filler));
  }

  onMessage(msg: Message): void {
    bus.publish("test/out", bus.body().str("topic", msg.topic).str("t", msg.body.str("t") + "!").int("n", this.ticks));
  }
}
