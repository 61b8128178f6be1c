// A production line: items pass a camera on the conveyor one every periodMs,
// some with a defect (a dark scratch across the part); a station (turntable)
// holds an item under a second camera for a re-check. Images are 32x32 RGB,
// pixel values 0..255, generated per item from the seed.
import type { ActuatorCommand, ActuatorSink } from "./actuator.ts";
import { Rng } from "./rng.ts";
import type { SensorSource } from "./sensor.ts";

export interface LineSpec {
  periodMs: number;
  defectRate: number;
}

export const IMAGE_SAMPLES = 32 * 32 * 3;

export class ProductionLine {
  constructor(
    readonly spec: LineSpec,
    private readonly seed: number,
  ) {}

  itemAt(t: number): number {
    return Math.floor(t / this.spec.periodMs);
  }

  defective(item: number): boolean {
    return new Rng((this.seed ^ Math.imul(item + 1, 0x9e3779b1)) >>> 0).next() < this.spec.defectRate;
  }

  /** The item's image: a round part on a dark belt; a defective one has a scratch. */
  image(item: number, out: Float32Array): void {
    const rng = new Rng((this.seed * 31 + item) >>> 0);
    // parts sit in a fixture under the camera: same place, small lighting noise
    const cx = 16;
    const cy = 16;
    const bad = this.defective(item);
    const offset = Math.round(rng.next() * 4) - 2;
    for (let y = 0; y < 32; y++)
      for (let x = 0; x < 32; x++) {
        const inPart = (x - cx) ** 2 + (y - cy) ** 2 < 100;
        let rgb = inPart ? [200, 120, 40] : [40, 40, 50];
        if (bad && inPart && Math.abs(x - y - offset) < 3) rgb = [20, 20, 20];
        const n = (rng.next() - 0.5) * 8;
        const i = (y * 32 + x) * 3;
        for (let c = 0; c < 3 && i + c < out.length; c++) out[i + c] = Math.max(0, Math.min(255, rgb[c]! + n));
      }
  }
}

/** A turntable: an agent places an item under the station camera with {place: item}. */
export class StationActuator implements ActuatorSink {
  readonly commands: ActuatorCommand[] = [];
  item = -1;
  constructor(readonly alias: string) {}
  write(cmd: ActuatorCommand): boolean {
    this.commands.push(cmd);
    const place = (cmd.command as { place?: unknown }).place;
    if (typeof place !== "number" || !Number.isInteger(place) || place < 0) return false;
    this.item = place;
    return true;
  }
}

/** A camera over the conveyor (the item passing now) or over a station (the item placed there; zeros when empty). */
export class LineCamera implements SensorSource {
  readonly rateHz = 1;
  constructor(
    readonly alias: string,
    private readonly line: ProductionLine,
    private readonly station?: StationActuator,
  ) {}
  read(nowMs: number, out: Float32Array): void {
    const item = this.station ? this.station.item : this.line.itemAt(nowMs);
    if (item < 0) out.fill(0);
    else this.line.image(item, out);
  }
}
