// The network model of the in-process bus: per-delivery latency, jitter, loss, duplication and
// reordering, drawn from a seeded PRNG so a run is a pure function of its seed.
export interface NetworkModel {
  /** Base one-way delay, ms. */
  latency: number;
  /** Extra uniform delay in [0, jitter) ms. */
  jitter: number;
  /** Probability a delivery (or its QoS 1 acknowledgement) is lost. */
  loss: number;
  /** Probability a delivered message arrives twice. */
  duplicate: number;
  /** Probability a message is held back by `reorderDelay` ms, overtaken by later ones. */
  reorder: number;
  reorderDelay: number;
  /** QoS 1 retransmission interval, ms (the sender's or broker's retry timer). */
  retry: number;
  /** A node whose link stays down this long is declared lost and its will published, ms. */
  keepAlive: number;
}

export const PERFECT_NETWORK: NetworkModel = {
  latency: 1,
  jitter: 0,
  loss: 0,
  duplicate: 0,
  reorder: 0,
  reorderDelay: 0,
  retry: 50,
  keepAlive: 15_000,
};

/** mulberry32 (the HAL's generator): small, fast, and good enough to draw network faults. */
export { seededRandom as prng } from "../../hal/rng.ts";

export function checkModel(m: NetworkModel): NetworkModel {
  for (const k of ["loss", "duplicate", "reorder"] as const)
    if (!(m[k] >= 0 && m[k] < 1)) throw new RangeError(`network model ${k} must be in [0, 1), got ${m[k]}`);
  for (const k of ["latency", "jitter", "reorderDelay", "retry", "keepAlive"] as const)
    if (!(m[k] >= 0)) throw new RangeError(`network model ${k} must be >= 0 ms, got ${m[k]}`);
  if (m.retry === 0) throw new RangeError("network model retry must be > 0 ms");
  return m;
}
