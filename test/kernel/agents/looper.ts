import { Agent, clock } from "../../../assembly/sdk";

/** Loops forever on its first timer: the fuel budget must stop it. */
export class Looper extends Agent {
  n: i64 = 0;
  init(): void {
    clock.every(100);
  }
  onTimer(id: i32): void {
    while (true) this.n++;
  }
}
