// The OTA messages (CBOR maps, docs/bundle.md). Each parser names the field that is wrong.
import { decode, encode, isBytes, isRecord } from "./cbor.ts";
import { REFUSALS, type Refusal } from "./errors.ts";

/** Retained on job/<device>: what the device must do. */
export interface JobMessage {
  readonly op: "install" | "rollback";
  readonly rollout: string;
  readonly agent: string;
  /** The version being installed (install) or rolled back from (rollback). */
  readonly version: string;
  /** install: the bundle's id, size, SHA-256 and chunk size. */
  readonly bundle?: string;
  readonly size?: number;
  readonly sha256?: Uint8Array;
  readonly chunk?: number;
}

export interface ChunkRequest {
  readonly bundle: string;
  readonly chunks: readonly number[];
}

export interface ChunkMessage {
  readonly bundle: string;
  readonly index: number;
  readonly data: Uint8Array;
  /** SHA-256 of `data`. */
  readonly hash: Uint8Array;
}

export const PHASES = ["idle", "downloading", "installing", "committed", "rolled-back", "refused"] as const;
export type Phase = (typeof PHASES)[number];
/** Phases after which a device does nothing more for a job. */
export const FINAL_PHASES: readonly Phase[] = ["committed", "rolled-back", "refused"];

/** Retained on status/<device>. */
export interface StatusMessage {
  readonly device: string;
  readonly rollout: string;
  readonly agent: string;
  readonly phase: Phase;
  /** The agent version running now ("" when none). */
  readonly running: string;
  readonly target: string;
  readonly reason?: Refusal;
  readonly detail?: string;
  readonly received?: number;
  readonly total?: number;
}

/** Retained on device/<device>. */
export interface DeviceMessage {
  readonly device: string;
  readonly groups: readonly string[];
  readonly agents: Readonly<Record<string, string>>;
}

function parse(bytes: Uint8Array, what: string): Record<string, unknown> {
  let v: unknown;
  try {
    v = decode(bytes);
  } catch (e) {
    throw new Error(`${what}: not CBOR (${(e as Error).message})`);
  }
  if (!isRecord(v)) throw new Error(`${what}: not a CBOR map`);
  return v;
}

const str = (v: Record<string, unknown>, k: string, what: string): string => {
  if (typeof v[k] !== "string") throw new Error(`${what}: field "${k}" must be a string`);
  return v[k] as string;
};
const num = (v: Record<string, unknown>, k: string, what: string): number => {
  if (typeof v[k] !== "number" || !Number.isInteger(v[k]) || (v[k] as number) < 0) throw new Error(`${what}: field "${k}" must be a non-negative integer`);
  return v[k] as number;
};
const bytes = (v: Record<string, unknown>, k: string, what: string): Uint8Array => {
  if (!isBytes(v[k])) throw new Error(`${what}: field "${k}" must be a byte string`);
  return v[k] as Uint8Array;
};

export const encodeJob = (m: JobMessage): Uint8Array => encode(m);
export function decodeJob(b: Uint8Array): JobMessage {
  const w = "job";
  const v = parse(b, w);
  const op = v.op;
  if (op !== "install" && op !== "rollback") throw new Error(`${w}: field "op" must be "install" or "rollback"`);
  const base = { op, rollout: str(v, "rollout", w), agent: str(v, "agent", w), version: str(v, "version", w) } as const;
  if (op === "rollback") return base;
  return { ...base, bundle: str(v, "bundle", w), size: num(v, "size", w), sha256: bytes(v, "sha256", w), chunk: num(v, "chunk", w) };
}

export const encodeChunkRequest = (m: ChunkRequest): Uint8Array => encode({ b: m.bundle, i: m.chunks });
export function decodeChunkRequest(b: Uint8Array): ChunkRequest {
  const v = parse(b, "chunk request");
  if (!Array.isArray(v.i) || !v.i.every((x) => Number.isInteger(x) && x >= 0)) throw new Error('chunk request: field "i" must be a list of chunk indices');
  return { bundle: str(v, "b", "chunk request"), chunks: v.i as number[] };
}

export const encodeChunk = (m: ChunkMessage): Uint8Array => encode({ b: m.bundle, i: m.index, d: m.data, h: m.hash });
export function decodeChunk(b: Uint8Array): ChunkMessage {
  const w = "chunk";
  const v = parse(b, w);
  return { bundle: str(v, "b", w), index: num(v, "i", w), data: bytes(v, "d", w), hash: bytes(v, "h", w) };
}

export const encodeStatus = (m: StatusMessage): Uint8Array => encode(m);
export function decodeStatus(b: Uint8Array): StatusMessage {
  const w = "status";
  const v = parse(b, w);
  const phase = v.phase as Phase;
  if (!PHASES.includes(phase)) throw new Error(`${w}: unknown phase ${JSON.stringify(v.phase)}`);
  if (v.reason !== undefined && !REFUSALS.includes(v.reason as Refusal)) throw new Error(`${w}: unknown reason ${JSON.stringify(v.reason)}`);
  return { ...(v as unknown as StatusMessage), device: str(v, "device", w), rollout: str(v, "rollout", w), agent: str(v, "agent", w), running: str(v, "running", w), target: str(v, "target", w), phase };
}

export const encodeDevice = (m: DeviceMessage): Uint8Array => encode(m);
export function decodeDevice(b: Uint8Array): DeviceMessage {
  const w = "device";
  const v = parse(b, w);
  if (!Array.isArray(v.groups) || !v.groups.every((g) => typeof g === "string")) throw new Error(`${w}: field "groups" must be a list of strings`);
  if (!isRecord(v.agents)) throw new Error(`${w}: field "agents" must be a map`);
  return { device: str(v, "device", w), groups: v.groups as string[], agents: v.agents as Record<string, string> };
}
