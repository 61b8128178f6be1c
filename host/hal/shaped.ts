// A sensor that follows a shape a person names on the command line: a constant, a ramp
// from one value to another, a step, or a sine, plus optional Gaussian noise. Like the
// waveform sensor, a sample depends only on (seed, alias, sample index).
import { hashString, Rng } from "./rng.ts";
import type { SensorSource } from "./sensor.ts";

export type SensorShape =
  | { kind: "const"; value: number }
  /** from `from` at 0 to `to` at `overMs`, then holds `to` */
  | { kind: "ramp"; from: number; to: number; overMs: number }
  /** `from` until `atMs`, `to` from then on */
  | { kind: "step"; from: number; to: number; atMs: number }
  | { kind: "sine"; amplitude: number; hz: number; offset: number };

export interface ShapedSpec {
  shape: SensorShape;
  rateHz: number;
  noise: number;
}

export function shapeValue(s: SensorShape, tMs: number): number {
  switch (s.kind) {
    case "const":
      return s.value;
    case "ramp":
      return tMs >= s.overMs ? s.to : s.from + ((s.to - s.from) * Math.max(0, tMs)) / s.overMs;
    case "step":
      return tMs < s.atMs ? s.from : s.to;
    case "sine":
      return s.offset + s.amplitude * Math.sin((2 * Math.PI * s.hz * tMs) / 1000);
  }
}

export class ShapedSensor implements SensorSource {
  private readonly seed: number;
  constructor(
    readonly alias: string,
    private readonly spec: ShapedSpec,
    seed: number,
  ) {
    if (!(spec.rateHz > 0)) throw new RangeError(`sensor ${alias}: rate must be positive`);
    this.seed = (seed ^ hashString(alias)) >>> 0;
  }

  get rateHz(): number {
    return this.spec.rateHz;
  }

  read(nowMs: number, out: Float32Array): void {
    const dt = 1000 / this.spec.rateHz;
    const last = Math.floor(nowMs / dt);
    for (let i = 0; i < out.length; i++) {
      const k = last - (out.length - 1 - i);
      let v = shapeValue(this.spec.shape, k * dt);
      if (this.spec.noise > 0) v += this.spec.noise * new Rng((this.seed ^ Math.imul(k | 0, 0x9e3779b1)) >>> 0).gauss();
      out[i] = v;
    }
  }
}
