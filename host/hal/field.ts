// Things in the world that sensors pick up: a pump's vibration and its
// spectrum, heard by a drone flying near it or felt by a robot's probe on it.
import type { Point } from "./grid.ts";
import { WaveformSensor, type SensorSource, type WaveformSpec } from "./sensor.ts";

/** A change of a spectrum from a time on (until `untilMs`, when given): bins [from, to) scaled by `gain`, then raised by `offset` (a bearing fault's band). */
export interface SpectrumFault {
  atMs: number;
  untilMs?: number;
  bins: [number, number];
  gain: number;
  offset: number;
}

export interface AssetSpec {
  id: string;
  position: Point;
  /** the machine's vibration as a contact probe feels it */
  vibration?: WaveformSpec;
  /** feature frames (e.g. log-mel spectrogram values) as heard from nearby */
  spectrum?: { frames: Float32Array; faults: SpectrumFault[] };
}

export class Asset {
  private readonly wave?: WaveformSensor;
  constructor(
    readonly spec: AssetSpec,
    seed: number,
  ) {
    if (spec.vibration) this.wave = new WaveformSensor(`asset:${spec.id}`, spec.vibration, seed);
  }

  vibration(nowMs: number, out: Float32Array): boolean {
    if (!this.wave) return false;
    this.wave.read(nowMs, out);
    return true;
  }

  spectrum(nowMs: number, out: Float32Array): boolean {
    const s = this.spec.spectrum;
    if (!s) return false;
    const f = s.frames;
    for (let i = 0; i < out.length; i++) out[i] = f[i % f.length]!;
    const bins = 128;
    for (const fault of s.faults)
      if (nowMs >= fault.atMs && (fault.untilMs === undefined || nowMs < fault.untilMs))
        for (let i = 0; i < out.length; i++) {
          const b = i % bins;
          if (b >= fault.bins[0] && b < fault.bins[1]) out[i] = out[i]! * fault.gain + fault.offset;
        }
    return true;
  }
}

const dist = (a: Point, b: Point) => Math.hypot(a[0] - b[0], a[1] - b[1]);

/** The nearest asset within `range` metres of where the device is. */
function nearest(assets: Asset[], at: Point, range: number, has: (a: Asset) => boolean): Asset | undefined {
  let best: Asset | undefined;
  let bd = range;
  for (const a of assets) {
    const d = dist(a.spec.position, at);
    if (d <= bd && has(a)) {
      best = a;
      bd = d;
    }
  }
  return best;
}

/** Reads what the nearest suitable asset within `range` gives off; `empty` where none is. */
class NearbySensor implements SensorSource {
  constructor(
    readonly alias: string,
    readonly rateHz: number,
    private readonly assets: Asset[],
    private readonly where: (t: number) => Point,
    private readonly range: number,
    private readonly sense: (a: Asset, nowMs: number, out: Float32Array) => boolean,
    private readonly has: (a: Asset) => boolean,
    private readonly empty: number,
  ) {}
  read(nowMs: number, out: Float32Array): void {
    const a = nearest(this.assets, this.where(nowMs), this.range, this.has);
    if (!a || !this.sense(a, nowMs, out)) out.fill(this.empty);
  }
}

/** Hears the spectrum of the nearest asset in range; NaN when none is (an agent must check). */
export class SpectrumSensor extends NearbySensor {
  constructor(alias: string, assets: Asset[], where: (t: number) => Point, range: number) {
    super(alias, 10, assets, where, range, (a, t, out) => a.spectrum(t, out), (a) => !!a.spec.spectrum, Number.NaN);
  }
}

/** A contact probe: the nearest asset's vibration within `range`, else zeros. */
export class ProbeSensor extends NearbySensor {
  constructor(alias: string, assets: Asset[], where: (t: number) => Point, range: number) {
    super(alias, 1000, assets, where, range, (a, t, out) => a.vibration(t, out), (a) => !!a.spec.vibration, 0);
  }
}

/** Battery level as a fraction of capacity, from a function of time. */
export class BatterySensor implements SensorSource {
  readonly rateHz = 1;
  constructor(
    readonly alias: string,
    private readonly level: (t: number) => number,
  ) {}
  read(nowMs: number, out: Float32Array): void {
    out.fill(this.level(nowMs));
  }
}
