// Each device's own data: windows of vibration from its own machine, read through the
// simulator's waveform sensor, labelled healthy or failing bearing. Devices differ (machine
// speed, amplitude, noise, how often their machine fails): the data are not identically
// distributed, as on a real site. The raw windows never leave this module's caller.
import { Rng, WaveformSensor, type WaveformSpec } from "../hal/index.ts";
import { featuresOf, FEATURES } from "./features.ts";

export const WINDOW = 256;
const RATE_HZ = 1000;

export interface Sample {
  readonly x: Float64Array;
  readonly y: 0 | 1;
}

export interface DeviceData {
  readonly device: string;
  readonly train: Sample[];
  readonly test: Sample[];
  /** the raw windows the samples were computed from (kept on the device; the egress monitor checks against them) */
  readonly raw: Float32Array[];
}

export interface DataOptions {
  windows: number;
  /** share of windows kept for testing */
  testShare: number;
  /** true: every device fails as often and runs alike; false: each device its own machine */
  iid: boolean;
}

/** The machine a device listens to: its speed, loudness, noise floor and how often it fails. */
function machineOf(i: number, seed: number, iid: boolean): { hz: number; amp: number; noise: number; failShare: number } {
  if (iid) return { hz: 40, amp: 0.6, noise: 0.08, failShare: 0.35 };
  const r = new Rng((seed * 7919 + i * 104729) >>> 0);
  return { hz: 20 + 40 * r.next(), amp: 0.3 + 0.9 * r.next(), noise: 0.03 + 0.1 * r.next(), failShare: 0.1 + 0.5 * r.next() };
}

export function deviceData(i: number, seed: number, o: DataOptions): DeviceData {
  const m = machineOf(i, seed, o.iid);
  const r = new Rng((seed * 31 + i * 977 + 13) >>> 0);
  const samples: Sample[] = [];
  const raw: Float32Array[] = [];
  for (let w = 0; w < o.windows; w++) {
    const y: 0 | 1 = r.next() < m.failShare ? 1 : 0;
    // a failing bearing rings at its own frequency and adds broadband noise, more or less strongly
    const severity = y ? 0.15 + 0.85 * r.next() : 0;
    const spec: WaveformSpec = {
      rateHz: RATE_HZ,
      tones: [[m.hz * (0.95 + 0.1 * r.next()), m.amp], [2 * m.hz, 0.3 * m.amp], ...(y ? ([[180 + 80 * r.next(), severity * 0.5 * m.amp]] as [number, number][]) : [])],
      noise: m.noise * (0.7 + 0.6 * r.next()) + severity * 0.12 * m.amp,
    };
    const window = new Float32Array(WINDOW);
    new WaveformSensor("vib0", spec, (seed ^ (i * 65537 + w)) >>> 0).read(1000 + w * 300, window);
    raw.push(window);
    samples.push({ x: featuresOf(window), y });
  }
  const cut = Math.round(samples.length * (1 - o.testShare));
  return { device: `dev-${i}`, train: samples.slice(0, cut), test: samples.slice(cut), raw };
}

export { FEATURES };
