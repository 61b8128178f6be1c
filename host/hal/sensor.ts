// Simulated sensors: a sample stream at a fixed rate, computed on demand for
// "the newest n samples at time t", so reading costs nothing when nobody reads.
import { hashString, Rng } from "./rng.ts";

export interface SensorSource {
  readonly alias: string;
  readonly rateHz: number;
  /** The newest `n` samples at time `nowMs`, written into `out` (length n). */
  read(nowMs: number, out: Float32Array): void;
}

/** A fault injected into a sensor from a time on: a change of amplitude, offset or noise. */
export interface SensorFault {
  atMs: number;
  untilMs?: number;
  amplitude?: number;
  offset?: number;
  noise?: number;
  /** a stuck sensor repeats one value */
  stuck?: number;
}

export interface WaveformSpec {
  rateHz: number;
  /** sine components: [frequency Hz, amplitude] */
  tones?: [number, number][];
  noise?: number;
  offset?: number;
  faults?: SensorFault[];
}

/** A sum of sines plus Gaussian noise, with faults; deterministic per (seed, alias, sample index). */
export class WaveformSensor implements SensorSource {
  private readonly seed: number;
  constructor(
    readonly alias: string,
    private readonly spec: WaveformSpec,
    seed: number,
  ) {
    if (!(spec.rateHz > 0)) throw new RangeError(`sensor ${alias}: rateHz must be positive`);
    this.seed = (seed ^ hashString(alias)) >>> 0;
  }

  get rateHz(): number {
    return this.spec.rateHz;
  }

  private faultAt(t: number): SensorFault | undefined {
    return this.spec.faults?.find((f) => t >= f.atMs && (f.untilMs === undefined || t < f.untilMs));
  }

  read(nowMs: number, out: Float32Array): void {
    const dt = 1000 / this.spec.rateHz;
    const last = Math.floor(nowMs / dt);
    for (let i = 0; i < out.length; i++) {
      const k = last - (out.length - 1 - i);
      const t = k * dt;
      const fault = this.faultAt(t);
      if (fault?.stuck !== undefined) {
        out[i] = fault.stuck;
        continue;
      }
      const amp = fault?.amplitude ?? 1;
      let v = this.spec.offset ?? 0;
      for (const [hz, a] of this.spec.tones ?? []) v += amp * a * Math.sin((2 * Math.PI * hz * t) / 1000);
      // noise from a hash of the sample index: the same sample reads the same whatever the read pattern
      const rng = new Rng((this.seed ^ Math.imul(k | 0, 0x9e3779b1)) >>> 0);
      v += ((fault?.noise ?? this.spec.noise) ?? 0) * rng.gauss() + (fault?.offset ?? 0);
      out[i] = v;
    }
  }
}
