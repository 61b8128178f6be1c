import { Agent, Fields, Sensor, bus, clock, log, model, sensor, state } from "../sdk";

const FIRST = 1;
const EVERY = 2;

/**
 * Looks at every item passing on the conveyor with the image-classification
 * model (ResNet-8, int8). A good part looks like one class with high
 * confidence; a part whose confidence in that class drops is flagged.
 */
export class DefectCamera extends Agent {
  cam: Sensor = sensor.open("cam0");
  cfg: Fields = state.config();
  input: Int8Array = new Int8Array(3072);
  output: Int8Array = new Int8Array(10);
  inspected: i32 = 0;
  defects: i32 = 0;

  init(): void {
    // look in the middle of each item's pass
    clock.after(<i32>this.cfg.int("periodMs", 2000) / 2, FIRST);
  }

  onTimer(id: i32): void {
    if (id == FIRST) clock.every(<i32>this.cfg.int("periodMs", 2000), EVERY);
    const px = this.cam.read(3072);
    if (px.length < 3072) return;
    // input quantization: scale 1, zero point -128
    for (let i = 0; i < 3072; i++) {
      const q = <i32>Math.round(<f64>unchecked(px[i])) - 128;
      unchecked((this.input[i] = <i8>(q < -128 ? -128 : q > 127 ? 127 : q)));
    }
    if (model.invoke("ic", this.input, this.output) != 10) return;
    const cls = <i32>this.cfg.int("goodClass", 3);
    const conf = <f64>(<i32>this.output[cls] + 128) / 256.0;
    const item = <i64>Math.floor(clock.now() / <f64>this.cfg.int("periodMs", 2000));
    const ok = conf >= this.cfg.f64("minConfidence", 0.6);
    this.inspected++;
    bus.publish("line/item", bus.body().int("item", item).bool("ok", ok).f64("conf", conf));
    if (!ok) {
      this.defects++;
      log.warn("item " + item.toString() + " looks defective (confidence " + conf.toString() + ")");
      // `text` in the site's words, for the gateway's event-lm reader: what and where.
      const text = "defect detected " + this.cfg.str("asset", "camera-1");
      bus.publish("event/defect", bus.body().int("item", item).f64("conf", conf).f64s("at", this.cfg.f64s("pickup")).str("text", text), 1);
    }
  }
}
