import { Agent, Message, bus, model } from "../../../assembly/sdk";

/** Runs the kws model on every "kws/in" message's "input" bytes and publishes the result code and output. */
export class Keyword extends Agent {
  init(): void {
    bus.subscribe("kws/in");
  }

  onMessage(msg: Message): void {
    const input = msg.body.bytes("input");
    const output = new Int8Array(<i32>msg.body.int("outLen", 12));
    const n = model.invoke(msg.body.str("model", "kws"), Int8Array.wrap(input.buffer, input.byteOffset, input.length), output);
    bus.publish("kws/out", bus.body().int("n", n).bytes("output", Uint8Array.wrap(output.buffer)));
  }
}
