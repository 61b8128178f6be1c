import { Agent, bus, clock, model } from "../../../assembly/sdk";
import { model_invoke } from "../../../assembly/sdk/abi";

// test/fixtures/tinyml/inputs/kws_sample.bin: one 49x10 int8 MFCC window
const KWS_SAMPLE: StaticArray<i8> = [
  76, 77, 85, 83, 88, 83, 82, 87, 87, 84, 64, 81, 83, 87, 87, 83, 84, 86, 87, 85, 55, 85, 85, 86, 86, 85, 85, 84, 84, 84, 55, 85, 85, 86, 84,
  84, 85, 84, 84, 86, 51, 84, 85, 86, 85, 85, 85, 84, 86, 84, 80, 87, 80, 79, 86, 88, 83, 85, 83, 86, 88, 88, 84, 79, 87, 88, 81, 84, 83, 85,
  111, 88, 85, 78, 86, 87, 84, 84, 82, 85, 109, 89, 86, 77, 86, 87, 83, 84, 83, 85, 107, 90, 85, 78, 87, 87, 83, 83, 83, 85, 106, 93, 85, 76, 87,
  86, 84, 84, 82, 86, 109, 93, 82, 77, 87, 87, 83, 84, 82, 86, 109, 93, 83, 77, 86, 89, 83, 83, 83, 86, 111, 92, 83, 78, 86, 88, 83, 84, 83, 86,
  112, 90, 83, 79, 86, 88, 82, 84, 83, 86, 110, 92, 82, 80, 87, 87, 81, 84, 83, 85, 110, 91, 82, 81, 87, 86, 81, 86, 84, 85, 107, 93, 80, 84, 86,
  85, 83, 86, 84, 83, 104, 91, 85, 84, 85, 83, 84, 86, 84, 83, 103, 90, 86, 86, 84, 82, 85, 85, 84, 83, 96, 88, 89, 89, 83, 83, 84, 84, 85, 82,
  90, 89, 90, 91, 83, 83, 83, 84, 85, 82, 89, 89, 90, 90, 81, 86, 84, 83, 84, 83, 89, 90, 89, 89, 82, 85, 85, 84, 84, 83, 86, 90, 90, 90, 82,
  85, 85, 84, 83, 84, 72, 92, 90, 92, 82, 85, 85, 83, 83, 84, 67, 89, 90, 89, 84, 86, 84, 85, 84, 84, 60, 88, 87, 89, 84, 85, 85, 86, 83, 84,
  -128, 84, 85, 85, 85, 84, 85, 85, 85, 85, -128, 84, 85, 85, 85, 84, 85, 85, 85, 85, -128, 84, 85, 85, 85, 84, 85, 85, 85, 85, -128, 84, 85, 85, 85,
  84, 85, 85, 85, 85, -128, 84, 85, 85, 85, 84, 85, 85, 85, 85, -128, 84, 85, 85, 85, 84, 85, 85, 85, 85, -128, 84, 85, 85, 85, 84, 85, 85, 85, 85,
  -128, 84, 85, 85, 85, 84, 85, 85, 85, 85, -128, 84, 85, 85, 85, 84, 85, 85, 85, 85, -128, 84, 85, 85, 85, 84, 85, 85, 85, 85, -128, 84, 85, 85, 85,
  84, 85, 85, 85, 85, -128, 84, 85, 85, 85, 84, 85, 85, 85, 85, -128, 84, 85, 85, 85, 84, 85, 85, 85, 85, -128, 84, 85, 85, 85, 84, 85, 85, 85, 85,
  -128, 84, 85, 85, 85, 84, 85, 85, 85, 85, -128, 84, 85, 85, 85, 84, 85, 85, 85, 85, -128, 84, 85, 85, 85, 84, 85, 85, 85, 85, -128, 84, 85, 85, 85,
  84, 85, 85, 85, 85, -128, 84, 85, 85, 85, 84, 85, 85, 85, 85, -128, 84, 85, 85, 85, 84, 85, 85, 85, 85, -128, 84, 85, 85, 85, 84, 85, 85, 85, 85,
];

/** Calls model.invoke on the KWS model: the sample, bad lengths, an ungranted model, then a bad pointer (a trap). */
export class Modeler extends Agent {
  init(): void {
    clock.after(10, 1);
    clock.after(20, 2);
    clock.after(30, 3);
    clock.after(40, 4);
  }
  onTimer(id: i32): void {
    const input = new Int8Array(KWS_SAMPLE.length);
    for (let i = 0; i < KWS_SAMPLE.length; i++) input[i] = KWS_SAMPLE[i];
    const output = new Int8Array(12);
    if (id == 1) {
      const n = model.invoke("kws", input, output);
      bus.publish("test/model", bus.body().int("n", n).bytes("output", Uint8Array.wrap(output.buffer)));
    } else if (id == 2) {
      const bad = model.invoke("kws", new Int8Array(100), output);
      const small = model.invoke("kws", input, new Int8Array(4));
      const denied = model.invoke("vww", input, output);
      bus.publish("test/model", bus.body().int("badInput", bad).int("smallOutput", small).int("denied", denied));
    } else if (id == 3) {
      // the second call: the core keeps the model loaded
      const n = model.invoke("kws", new Int8Array(490), output);
      bus.publish("test/model", bus.body().int("n", n).bytes("output", Uint8Array.wrap(output.buffer)));
    } else {
      const name = String.UTF8.encode("kws");
      model_invoke(changetype<usize>(name), 3, input.dataStart, input.length, <usize>0x7ffffff0, 12);
      bus.publish("test/model", bus.body().int("unreachable", 1));
    }
  }
}
