// What crosses the bus in federated learning, and nothing else: the aggregator's model for a
// round (retained, so a new aggregator or a late device picks it up) and each device's update.
// Numbers travel as little-endian float64 byte strings; every field is checked on arrival and
// a bad update is refused with its reason, never averaged in.
export const MODEL_TOPIC = "learn/model";
export const UPDATE_TOPIC = "learn/update";
export const MODEL_KIND = "learn.model";
export const UPDATE_KIND = "learn.update";

/** Round 0 asks for feature statistics; from round 1 on, for trained weights. */
export interface ModelMessage {
  round: number;
  /** the aggregator's election term: a device follows the highest */
  term: number;
  weights?: Float64Array;
  mean?: Float64Array;
  std?: Float64Array;
  /** set on the last round's model: training is over */
  final?: boolean;
}

export type UpdateMessage =
  | { round: 0; device: string; n: number; sum: Float64Array; sumsq: Float64Array }
  | { round: number; device: string; n: number; weights: Float64Array };

export class UpdateRefused extends Error {
  constructor(
    readonly reason: "malformed" | "wrong-shape" | "not-finite" | "stale-round" | "bad-count",
    message: string,
  ) {
    super(message);
  }
}

export const toBytes = (a: Float64Array): Uint8Array => new Uint8Array(a.buffer.slice(a.byteOffset, a.byteOffset + a.byteLength));

function vector(v: unknown, field: string, length: number): Float64Array {
  if (!(v instanceof Uint8Array)) throw new UpdateRefused("malformed", `${field} must be a byte string`);
  if (v.length !== length * 8) throw new UpdateRefused("wrong-shape", `${field} has ${v.length} bytes, the model needs ${length * 8} (${length} float64)`);
  const out = new Float64Array(v.slice().buffer);
  if (!out.every(Number.isFinite)) throw new UpdateRefused("not-finite", `${field} holds a value that is not a finite number`);
  return out;
}

export function encodeModel(m: ModelMessage): Record<string, unknown> {
  return {
    round: m.round,
    term: m.term,
    ...(m.weights ? { weights: toBytes(m.weights) } : {}),
    ...(m.mean ? { mean: toBytes(m.mean) } : {}),
    ...(m.std ? { std: toBytes(m.std) } : {}),
    ...(m.final ? { final: true } : {}),
  };
}

export function decodeModel(body: unknown, features: number): ModelMessage {
  if (typeof body !== "object" || body === null) throw new UpdateRefused("malformed", "a model is a map");
  const b = body as Record<string, unknown>;
  if (!Number.isSafeInteger(b.round) || (b.round as number) < 0) throw new UpdateRefused("malformed", "round must be a whole number");
  if (!Number.isSafeInteger(b.term)) throw new UpdateRefused("malformed", "term must be a whole number");
  const m: ModelMessage = { round: b.round as number, term: b.term as number };
  if (b.weights !== undefined) m.weights = vector(b.weights, "weights", features + 1);
  if (b.mean !== undefined) m.mean = vector(b.mean, "mean", features);
  if (b.std !== undefined) m.std = vector(b.std, "std", features);
  if (b.final === true) m.final = true;
  if (m.round > 0 && (!m.weights || !m.mean || !m.std)) throw new UpdateRefused("malformed", `round ${m.round} model needs weights, mean and std`);
  return m;
}

export function encodeUpdate(u: UpdateMessage): Record<string, unknown> {
  return "weights" in u ? { round: u.round, device: u.device, n: u.n, weights: toBytes(u.weights) } : { round: 0, device: u.device, n: u.n, sum: toBytes(u.sum), sumsq: toBytes(u.sumsq) };
}

/** Checks an update for the round the aggregator is collecting; throws UpdateRefused naming what is wrong. */
export function decodeUpdate(body: unknown, features: number, round: number, maxSamples: number): UpdateMessage {
  if (typeof body !== "object" || body === null) throw new UpdateRefused("malformed", "an update is a map");
  const b = body as Record<string, unknown>;
  if (typeof b.device !== "string") throw new UpdateRefused("malformed", "device must be a string");
  if (b.round !== round) throw new UpdateRefused("stale-round", `update for round ${String(b.round)}, collecting round ${round}`);
  if (!Number.isSafeInteger(b.n) || (b.n as number) < 1 || (b.n as number) > maxSamples) throw new UpdateRefused("bad-count", `n must be a sample count from 1 to ${maxSamples}, got ${String(b.n)}`);
  if (round === 0) return { round: 0, device: b.device, n: b.n as number, sum: vector(b.sum, "sum", features), sumsq: vector(b.sumsq, "sumsq", features) };
  return { round, device: b.device, n: b.n as number, weights: vector(b.weights, "weights", features + 1) };
}
