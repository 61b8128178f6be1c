import { Agent, bus, clock, model } from "../../../assembly/sdk";
import { model_invoke } from "../../../assembly/sdk/abi";

/** Calls model_invoke from ever deeper recursion until the core runs out of call stack (the
 * firmware caps wasm call depth at 256; the core's calls count on top of the agent's), then
 * once more from the top: the core's trap is that call's -1, the agent and the firmware go on.
 * The bottom calls the import itself, so nothing of the agent's goes deeper than the core. */
function deep(d: i32, name: ArrayBuffer, input: Int8Array, output: Int8Array): i32 {
  if (d == 0) return model_invoke(changetype<usize>(name), name.byteLength, input.dataStart, input.length, output.dataStart, output.length);
  return deep(d - 1, name, input, output);
}

export class Deepmodel extends Agent {
  init(): void {
    clock.after(10, 1);
  }
  onTimer(id: i32): void {
    const name = String.UTF8.encode("kws");
    const input = new Int8Array(490);
    const output = new Int8Array(12);
    let d = 240;
    let r = 0;
    for (; d < 300; d++) {
      r = deep(d, name, input, output);
      if (r < 0) break;
    }
    const after = model.invoke("kws", input, output);
    bus.publish("test/deep", bus.body().int("depth", d).int("trapped", r).int("after", after).bytes("output", Uint8Array.wrap(output.buffer)));
  }
}
