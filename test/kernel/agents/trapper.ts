import { Agent } from "../../../assembly/sdk";

/** Traps in init, every time. */
export class Trapper extends Agent {
  init(): void {
    unreachable();
  }
}
