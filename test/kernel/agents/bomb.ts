import { Agent, clock } from "../../../assembly/sdk";

/** Allocates and keeps everything until memory runs out. */
export class Bomb extends Agent {
  hoard: Array<Uint8Array> = [];
  init(): void {
    clock.every(10);
  }
  onTimer(id: i32): void {
    for (let i = 0; i < 64; i++) this.hoard.push(new Uint8Array(4096));
  }
}
