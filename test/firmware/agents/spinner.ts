import { Agent, clock } from "../../../assembly/sdk";

/** Loops forever on each timer: only its fuel budget stops it. */
export class Spinner extends Agent {
  n: i64 = 0;
  init(): void {
    clock.every(100);
  }
  onTimer(id: i32): void {
    while (true) this.n++;
  }
}
