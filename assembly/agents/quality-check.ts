import { Actuator, Agent, Fields, Message, Sensor, actuator, bus, log, model, sensor, state } from "../sdk";

/** Re-checks every removed item on its turntable with its own camera, more strictly, and says whether it is scrap. */
export class QualityCheck extends Agent {
  table: Actuator = actuator.open("table0");
  cam: Sensor = sensor.open("cam0");
  cfg: Fields = state.config();
  input: Int8Array = new Int8Array(3072);
  output: Int8Array = new Int8Array(10);

  init(): void {
    bus.subscribe("line/removed");
  }

  onMessage(msg: Message): void {
    const item = msg.body.int("item");
    if (!this.table.command(bus.body().int("place", item))) return;
    const px = this.cam.read(3072);
    for (let i = 0; i < 3072; i++) {
      const q = <i32>Math.round(<f64>unchecked(px[i])) - 128;
      unchecked((this.input[i] = <i8>(q < -128 ? -128 : q > 127 ? 127 : q)));
    }
    if (model.invoke("ic", this.input, this.output) != 10) return;
    const conf = <f64>(<i32>this.output[<i32>this.cfg.int("goodClass", 3)] + 128) / 256.0;
    const scrap = conf < this.cfg.f64("minConfidence", 0.7);
    log.info("item " + item.toString() + (scrap ? " confirmed defective" : " passes the re-check") + " (confidence " + conf.toString() + ")");
    bus.publish("qc/result", bus.body().int("item", item).bool("scrap", scrap).f64("conf", conf), 1);
  }
}
