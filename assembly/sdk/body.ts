// Message bodies and snapshots are CBOR maps with text keys. Body builds one
// (chainable); Fields reads one by key.
import { CborReader, CborType, CborWriter } from "./cbor";

export class Body {
  private entries: CborWriter = new CborWriter();
  private count: i32 = 0;

  private key(k: string): CborWriter {
    this.count++;
    return this.entries.text(k);
  }

  int(k: string, v: i64): Body {
    this.key(k).int(v);
    return this;
  }
  f32(k: string, v: f32): Body {
    this.key(k).f32(v);
    return this;
  }
  f64(k: string, v: f64): Body {
    this.key(k).f64(v);
    return this;
  }
  bool(k: string, v: bool): Body {
    this.key(k).bool(v);
    return this;
  }
  str(k: string, v: string): Body {
    this.key(k).text(v);
    return this;
  }
  bytes(k: string, v: Uint8Array): Body {
    this.key(k).bytes(v);
    return this;
  }
  /** An array of numbers (e.g. a point [x, y] or a route [x0, y0, x1, y1, ...]). */
  f64s(k: string, v: f64[]): Body {
    this.key(k).arrayHead(v.length);
    for (let i = 0; i < v.length; i++) this.entries.f64(unchecked(v[i]));
    return this;
  }
  /** A nested map. */
  map(k: string, v: Body): Body {
    this.key(k);
    const inner = v.encode();
    this.entries.raw(inner.dataStart, inner.length);
    return this;
  }

  get size(): i32 {
    return this.count;
  }

  /** The CBOR bytes of the map. */
  encode(): Uint8Array {
    const w = new CborWriter();
    w.mapHead(this.count);
    w.raw(this.entries.dataStart, this.entries.length);
    return w.toBytes();
  }
}

/** Read access to a CBOR map by key; a missing or mistyped key gives the default. */
export class Fields {
  constructor(public readonly data: Uint8Array) {}

  static empty(): Fields {
    return new Fields(new Uint8Array(0));
  }

  /** A reader positioned on the value of `k`, or null. */
  private find(k: string): CborReader | null {
    const r = CborReader.of(this.data);
    const n = r.mapHead();
    if (n < 0) return null;
    const key = String.UTF8.encode(k);
    for (let i = 0; i < n && r.ok; i++) {
      if (r.textEquals(key)) {
        r.skipTags();
        return r;
      }
      r.skip();
    }
    return null;
  }

  /** True when the body is a well-formed map. */
  get valid(): bool {
    const r = CborReader.of(this.data);
    const n = r.mapHead();
    for (let i = 0; i < n * 2 && r.ok; i++) r.skip();
    return r.ok && n >= 0;
  }

  has(k: string): bool {
    return this.find(k) !== null;
  }

  int(k: string, dflt: i64 = 0): i64 {
    const r = this.find(k);
    if (r === null) return dflt;
    const t = r.peekType();
    if (t != CborType.Uint && t != CborType.Nint && t != CborType.Float) return dflt;
    const v = r.int();
    return r.ok ? v : dflt;
  }

  f64(k: string, dflt: f64 = 0): f64 {
    const r = this.find(k);
    if (r === null) return dflt;
    const t = r.peekType();
    if (t != CborType.Uint && t != CborType.Nint && t != CborType.Float) return dflt;
    const v = r.float();
    return r.ok ? v : dflt;
  }

  bool(k: string, dflt: bool = false): bool {
    const r = this.find(k);
    if (r === null || r.peekType() != CborType.Simple) return dflt;
    const v = r.bool();
    return r.ok ? v : dflt;
  }

  str(k: string, dflt: string = ""): string {
    const r = this.find(k);
    if (r === null || r.peekType() != CborType.Text) return dflt;
    const v = r.text();
    return r.ok ? v : dflt;
  }

  bytes(k: string): Uint8Array {
    const r = this.find(k);
    if (r === null || r.peekType() != CborType.Bytes) return new Uint8Array(0);
    return r.bytes();
  }

  /** An array of numbers (empty if absent or not an array of numbers). */
  f64s(k: string): f64[] {
    const out = new Array<f64>(0);
    const r = this.find(k);
    if (r === null || r.peekType() != CborType.Array) return out;
    const n = r.arrayHead();
    for (let i = 0; i < n && r.ok; i++) {
      r.skipTags();
      const t = r.peekType();
      if (t != CborType.Uint && t != CborType.Nint && t != CborType.Float) return new Array<f64>(0);
      out.push(r.float());
    }
    return r.ok ? out : new Array<f64>(0);
  }

  /** A nested map (empty if absent). */
  map(k: string): Fields {
    const r = this.find(k);
    if (r === null || r.peekType() != CborType.Map) return Fields.empty();
    const from = r.pos;
    r.skip();
    if (!r.ok) return Fields.empty();
    const len = <i32>(r.pos - from);
    const out = new Uint8Array(len);
    memory.copy(out.dataStart, from, len);
    return new Fields(out);
  }
}
