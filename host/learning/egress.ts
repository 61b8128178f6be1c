// Evidence that no raw sample left a device: a monitor on the bus, where every message of the
// site passes, opens each envelope and looks for any run of four consecutive raw samples of
// any device, in byte strings (as float32 or float64, at every alignment) and in number
// arrays. A leak of even a short stretch of a window is found; weights and statistics,
// which are sums and averages, never match one by chance.
import { cborDecode } from "../net/cbor.ts";
import { parse } from "../net/envelope.ts";

const RUN = 4;

export interface EgressCount {
  messages: number;
  bytes: number;
  /** raw samples found in messages (counted per run found, times its length) */
  rawSamples: number;
  /** messages that carried raw samples */
  leaks: { topic: string; from: string; kind: string }[];
  /** messages and bytes on the wire per envelope kind */
  byKind: Record<string, { messages: number; bytes: number }>;
}

export class EgressMonitor {
  readonly count: EgressCount = { messages: 0, bytes: 0, rawSamples: 0, leaks: [], byKind: {} };
  private readonly runs = new Set<string>();

  constructor(windows: readonly Float32Array[]) {
    for (const w of windows) for (let i = 0; i + RUN <= w.length; i++) this.runs.add(key(w, i));
  }

  /** Every message published on the site, as the broker sees it. */
  inspect(topic: string, payload: Uint8Array): void {
    this.count.messages++;
    this.count.bytes += payload.length;
    let from = "?";
    let kind = "?";
    let body: unknown;
    try {
      const env = parse(payload);
      from = env.from;
      kind = env.kind;
      body = cborDecode(env.body);
    } catch {
      // not an envelope: its CBOR, or else the bytes themselves, are checked
      try {
        body = cborDecode(payload);
      } catch {
        body = payload;
      }
    }
    const k = (this.count.byKind[kind] ??= { messages: 0, bytes: 0 });
    k.messages++;
    k.bytes += payload.length;
    const found = this.scan(body, 0);
    if (found > 0) {
      this.count.rawSamples += found;
      this.count.leaks.push({ topic, from, kind });
    }
  }

  private scan(v: unknown, depth: number): number {
    if (depth > 8) return 0;
    if (v instanceof Uint8Array) return this.scanBytes(v);
    if (Array.isArray(v)) {
      if (v.length >= RUN && v.every((x) => typeof x === "number")) return this.scanFloats(Float32Array.from(v as number[]));
      return v.reduce((n: number, x) => n + this.scan(x, depth + 1), 0);
    }
    if (v instanceof Map) return [...v.values()].reduce((n: number, x) => n + this.scan(x, depth + 1), 0);
    if (typeof v === "object" && v !== null) return Object.values(v).reduce((n: number, x) => n + this.scan(x, depth + 1), 0);
    return 0;
  }

  private scanBytes(b: Uint8Array): number {
    let n = 0;
    for (let off = 0; off < 4; off++) if (b.length - off >= 4 * RUN) n += this.scanFloats(new Float32Array(b.slice(off, off + 4 * Math.floor((b.length - off) / 4)).buffer));
    for (let off = 0; off < 8; off++) if (b.length - off >= 8 * RUN) n += this.scanFloats(Float32Array.from(new Float64Array(b.slice(off, off + 8 * Math.floor((b.length - off) / 8)).buffer)));
    return n;
  }

  private scanFloats(f: Float32Array): number {
    let n = 0;
    for (let i = 0; i + RUN <= f.length; i++) if (this.runs.has(key(f, i))) n++;
    return n === 0 ? 0 : n + RUN - 1;
  }
}

function key(f: Float32Array, i: number): string {
  const bits = new Uint32Array(f.buffer, f.byteOffset + i * 4, RUN);
  return `${bits[0]},${bits[1]},${bits[2]},${bits[3]}`;
}
