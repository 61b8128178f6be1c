// Message bodies and snapshots are CBOR maps with text keys. Body builds one
// (chainable); Fields reads one by key.
import { utf8 } from "./utf8";
import { CborReader, CborType, CborWriter } from "./cbor";

// Room left before the entries for the map's head (5 bytes: up to 2^32 - 1 entries),
// so a publish sends the body's own buffer without copying it.
const HEAD_ROOM = 5;

export class Body {
  private entries: CborWriter = CborWriter.after(HEAD_ROOM);
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

  /** @hidden Writes the map's head just before the entries; returns the address the map starts at. */
  seal(): usize {
    const n = this.count;
    const at = HEAD_ROOM - (n < 24 ? 1 : n <= 0xff ? 2 : n <= 0xffff ? 3 : 5);
    const w = this.entries;
    const end = w.length;
    w.length = at;
    w.mapHead(n);
    w.length = end;
    return w.dataStart + <usize>at;
  }

  /** @hidden The address just past the map's last byte. */
  get end(): usize {
    return this.entries.dataStart + <usize>this.entries.length;
  }

  /** The CBOR bytes of the map. */
  encode(): Uint8Array {
    const from = this.seal();
    const out = new Uint8Array(<i32>(this.end - from));
    memory.copy(out.dataStart, from, out.length);
    return out;
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
    const key = utf8(k);
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
