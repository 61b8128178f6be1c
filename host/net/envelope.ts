// The message envelope every Colony message travels in (docs/protocol.md, "Envelope").
// Wire: a CBOR map { v, from, seq, ts, kind, body, sig } where body is a byte string holding
// the CBOR of the kind's body. The signature covers the CBOR array
// [v, from, seq, ts, kind, body] (body as those same bytes): only integers, text and bytes,
// whose shortest CBOR form is unique, so every implementation rebuilds identical signed bytes.
import { cborDecode, cborEncode } from "./cbor.ts";
import { signBytes, type DeviceKey, type KeyRing } from "./keys.ts";
import { ReplayWindow } from "./replay.ts";

export const ENVELOPE_VERSION = 1;

export interface Envelope<B = unknown> {
  v: number;
  /** Device id of the sender (names its Ed25519 key in the receiver's KeyRing). */
  from: string;
  /** Per-sender sequence number, strictly increasing over the sender's life (also across restarts). */
  seq: number;
  /** Sender's clock in integer milliseconds. */
  ts: number;
  /** Message kind, e.g. "presence.beat", "cnet.bid". */
  kind: string;
  body: B;
  sig: Uint8Array;
}

export type EnvelopeProblem =
  | "malformed-cbor"
  | "not-a-map"
  | "bad-field"
  | "unsupported-version"
  | "malformed-body"
  | "unknown-sender"
  | "bad-signature"
  | "replay";

/** Why an envelope was refused; `problem` is machine-readable, the message names the field. */
export class EnvelopeError extends Error {
  constructor(
    readonly problem: EnvelopeProblem,
    message: string,
  ) {
    super(`envelope ${problem}: ${message}`);
    this.name = "EnvelopeError";
  }
}

/** The exact bytes an envelope's signature covers. */
export function signedBytes(v: number, from: string, seq: number, ts: number, kind: string, body: Uint8Array): Uint8Array {
  return cborEncode([v, from, wireUint(seq), wireUint(ts), kind, body]);
}

/** cbor-x writes a number of 2^32 or more as a float64; the protocol's integers are
 *  shortest-form uints (RFC 8949 §4.2.1) at any size, which cbor-x writes for a BigInt. */
function wireUint(n: number): number | bigint {
  return n > 0xffffffff ? BigInt(n) : n;
}

/** Seals envelopes for one device: numbers them and signs them. */
export class Sealer {
  private seq: number;
  constructor(
    private readonly key: DeviceKey,
    private readonly now: () => number,
    /** Last sequence number used; a restarted device passes what it persisted. */
    lastSeq = 0,
  ) {
    this.seq = lastSeq;
  }

  get lastSeq(): number {
    return this.seq;
  }

  seal(kind: string, body: unknown): Uint8Array {
    const seq = ++this.seq;
    const ts = Math.floor(this.now());
    const bodyBytes = cborEncode(body);
    const sig = signBytes(this.key, signedBytes(ENVELOPE_VERSION, this.key.id, seq, ts, kind, bodyBytes));
    return cborEncode({ v: ENVELOPE_VERSION, from: this.key.id, seq: wireUint(seq), ts: wireUint(ts), kind, body: bodyBytes, sig });
  }
}

/** Opens envelopes: parses, checks the signature, then the sender's replay window. */
export class Opener {
  private windows = new Map<string, ReplayWindow>();
  constructor(
    private readonly keys: KeyRing,
    private readonly windowSize = 64,
  ) {}

  /** Throws EnvelopeError unless the envelope is well-formed, authentic and fresh. */
  open(bytes: Uint8Array): Envelope {
    return this.check(bytes, true);
  }

  /**
   * Authentic but not checked for freshness: only for idempotent kinds sealed long before they
   * are sent (a last will), whose protocol checks freshness itself (presence: the boot epoch).
   */
  openIdempotent(bytes: Uint8Array): Envelope {
    return this.check(bytes, false);
  }

  private check(bytes: Uint8Array, fresh: boolean): Envelope {
    const raw = parse(bytes);
    if (!this.keys.has(raw.from)) throw new EnvelopeError("unknown-sender", `no key for device "${raw.from}"`);
    const signed = signedBytes(raw.v, raw.from, raw.seq, raw.ts, raw.kind, raw.body);
    if (!this.keys.verify(raw.from, signed, raw.sig))
      throw new EnvelopeError("bad-signature", `signature of ${raw.from}#${raw.seq} (${raw.kind}) does not verify`);
    // Only an authentic envelope may move the window, so forgeries cannot block real traffic.
    if (fresh) {
      let w = this.windows.get(raw.from);
      if (!w) this.windows.set(raw.from, (w = new ReplayWindow(this.windowSize)));
      if (!w.accept(raw.seq)) throw new EnvelopeError("replay", `${raw.from}#${raw.seq} already seen or older than the window`);
    }
    let body: unknown;
    try {
      body = cborDecode(raw.body);
    } catch (e) {
      throw new EnvelopeError("malformed-body", `body of ${raw.from}#${raw.seq}: ${(e as Error).message}`);
    }
    return { v: raw.v, from: raw.from, seq: raw.seq, ts: raw.ts, kind: raw.kind, body, sig: raw.sig };
  }
}

interface RawEnvelope {
  v: number;
  from: string;
  seq: number;
  ts: number;
  kind: string;
  body: Uint8Array;
  sig: Uint8Array;
}

/** Parses the wire map without trusting it; every failure names the field. */
export function parse(bytes: Uint8Array): RawEnvelope {
  let m: unknown;
  try {
    m = cborDecode(bytes);
  } catch (e) {
    throw new EnvelopeError("malformed-cbor", `${bytes.length} bytes: ${(e as Error).message}`);
  }
  if (typeof m !== "object" || m === null || Array.isArray(m) || m instanceof Uint8Array)
    throw new EnvelopeError("not-a-map", `top-level item is ${Array.isArray(m) ? "an array" : typeof m}`);
  const o = m as Record<string, unknown>;
  const v = uint(o, "v");
  if (v !== ENVELOPE_VERSION) throw new EnvelopeError("unsupported-version", `v=${v}, this host reads v=${ENVELOPE_VERSION}`);
  const seq = uint(o, "seq");
  if (seq === 0) throw new EnvelopeError("bad-field", "field seq must be >= 1");
  return { v, from: text(o, "from"), seq, ts: uint(o, "ts"), kind: text(o, "kind"), body: bytesField(o, "body"), sig: bytesField(o, "sig") };
}

function uint(o: Record<string, unknown>, f: string): number {
  const x = o[f];
  if (typeof x !== "number" || !Number.isSafeInteger(x) || x < 0)
    throw new EnvelopeError("bad-field", `field ${f} must be an unsigned integer, got ${describe(x)}`);
  return x;
}
function text(o: Record<string, unknown>, f: string): string {
  const x = o[f];
  if (typeof x !== "string" || x.length === 0) throw new EnvelopeError("bad-field", `field ${f} must be non-empty text, got ${describe(x)}`);
  return x;
}
function bytesField(o: Record<string, unknown>, f: string): Uint8Array {
  const x = o[f];
  if (!(x instanceof Uint8Array)) throw new EnvelopeError("bad-field", `field ${f} must be a byte string, got ${describe(x)}`);
  return x;
}
function describe(x: unknown): string {
  if (x === undefined) return "nothing (missing)";
  if (x instanceof Uint8Array) return `${x.length} bytes`;
  if (typeof x === "bigint") return `integer ${x}`;
  return `${typeof x} ${JSON.stringify(x)}`;
}
