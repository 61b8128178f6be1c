// A small CBOR (RFC 8949) codec: what agents need for message bodies and
// snapshots. Encodes the shortest form of every head; decodes any well-formed
// item and skips what it does not ask for.

import { utf8Length, utf8Write } from "./utf8";

const MT_UINT: u8 = 0;
const MT_NINT: u8 = 1;
const MT_BYTES: u8 = 2;
const MT_TEXT: u8 = 3;
const MT_ARRAY: u8 = 4;
const MT_MAP: u8 = 5;
const MT_SIMPLE: u8 = 7;

export class CborWriter {
  // an ArrayBuffer, not a Uint8Array: one object per growth instead of two
  private buf: ArrayBuffer = new ArrayBuffer(32);
  length: i32 = 0;

  /** A writer whose first `n` bytes are left for the caller to fill later. */
  static after(n: i32): CborWriter {
    const w = new CborWriter();
    w.reserve(n);
    w.length = n;
    return w;
  }

  private reserve(n: i32): void {
    if (this.length + n <= this.buf.byteLength) return;
    const next = new ArrayBuffer(max(this.buf.byteLength << 1, this.length + n));
    memory.copy(changetype<usize>(next), changetype<usize>(this.buf), this.length);
    this.buf = next;
  }

  private byte(b: u8): void {
    this.reserve(1);
    store<u8>(changetype<usize>(this.buf) + <usize>this.length, b);
    this.length++;
  }

  /** The low `n` bytes of `value`, big-endian. */
  private be(n: i32, value: u64): void {
    this.reserve(n);
    const p = changetype<usize>(this.buf) + <usize>this.length;
    this.length += n;
    for (let i = n - 1; i >= 0; i--) {
      store<u8>(p + <usize>i, <u8>value);
      value >>= 8;
    }
  }

  head(major: u8, value: u64): void {
    const mt = major << 5;
    if (value < 24) {
      this.byte(mt | <u8>value);
      return;
    }
    const n = value <= 0xff ? 1 : value <= 0xffff ? 2 : value <= 0xffffffff ? 4 : 8;
    // additional information 24, 25, 26, 27: 1, 2, 4, 8 bytes follow
    this.byte(mt | <u8>(24 + ctz(n)));
    this.be(n, value);
  }

  int(v: i64): this {
    if (v >= 0) this.head(MT_UINT, <u64>v);
    else this.head(MT_NINT, <u64>(-1 - v));
    return this;
  }

  f32(v: f32): this {
    this.byte((MT_SIMPLE << 5) | 26);
    this.be(4, reinterpret<u32>(v));
    return this;
  }

  f64(v: f64): this {
    this.byte((MT_SIMPLE << 5) | 27);
    this.be(8, reinterpret<u64>(v));
    return this;
  }

  bool(v: bool): this {
    this.byte((MT_SIMPLE << 5) | (v ? 21 : 20));
    return this;
  }

  nil(): this {
    this.byte((MT_SIMPLE << 5) | 22);
    return this;
  }

  text(s: string): this {
    const n = utf8Length(s);
    this.head(MT_TEXT, <u64>n);
    this.reserve(n);
    utf8Write(s, changetype<usize>(this.buf) + <usize>this.length);
    this.length += n;
    return this;
  }

  bytes(b: Uint8Array): this {
    this.head(MT_BYTES, <u64>b.length);
    this.raw(b.dataStart, b.length);
    return this;
  }

  arrayHead(n: i32): this {
    this.head(MT_ARRAY, <u64>n);
    return this;
  }

  mapHead(n: i32): this {
    this.head(MT_MAP, <u64>n);
    return this;
  }

  raw(ptr: usize, len: i32): void {
    this.reserve(len);
    memory.copy(changetype<usize>(this.buf) + <usize>this.length, ptr, len);
    this.length += len;
  }

  get dataStart(): usize {
    return changetype<usize>(this.buf);
  }

  /** A copy of what was written. */
  toBytes(): Uint8Array {
    const out = new Uint8Array(this.length);
    memory.copy(out.dataStart, changetype<usize>(this.buf), this.length);
    return out;
  }

  reset(): void {
    this.length = 0;
  }
}

/** A CBOR item type, as read by CborReader.peekType(). */
export enum CborType { Uint, Nint, Bytes, Text, Array, Map, Tag, Simple, Float, End, Invalid }

/** Reads CBOR from memory. On malformed input `ok` turns false and reads return defaults. */
export class CborReader {
  pos: usize;
  ok: bool = true;
  // Keeps the bytes alive while raw pointers into them are read: a collector must not free them.
  private source: Uint8Array | null = null;
  constructor(public start: usize, public end: usize) {
    this.pos = start;
  }

  static of(bytes: Uint8Array): CborReader {
    const r = new CborReader(bytes.dataStart, bytes.dataStart + <usize>bytes.length);
    r.source = bytes;
    return r;
  }

  private fail(): u64 {
    this.ok = false;
    this.pos = this.end;
    return 0;
  }

  private u8(): u8 {
    if (this.pos >= this.end) {
      this.fail();
      return 0;
    }
    return load<u8>(this.pos++);
  }

  /** The argument of a head whose initial byte was `ib`. */
  private arg(ib: u8): u64 {
    const info = ib & 31;
    if (info < 24) return <u64>info;
    let n: i32 = 0;
    if (info == 24) n = 1;
    else if (info == 25) n = 2;
    else if (info == 26) n = 4;
    else if (info == 27) n = 8;
    else return this.fail();
    let v: u64 = 0;
    for (let i = 0; i < n; i++) v = (v << 8) | <u64>this.u8();
    return v;
  }

  peekType(): CborType {
    if (!this.ok || this.pos >= this.end) return CborType.End;
    const ib = load<u8>(this.pos);
    const mt = ib >> 5;
    if (mt == 7) return (ib & 31) >= 25 && (ib & 31) <= 27 ? CborType.Float : CborType.Simple;
    return <CborType>mt;
  }

  /** Skips tag heads (major type 6): a tagged item reads as its content (e.g. cbor-x's tag 64 on byte strings). */
  skipTags(): void {
    while (this.ok && this.pos < this.end && load<u8>(this.pos) >> 5 == 6) this.arg(this.u8());
  }

  /** Map header: number of pairs, or -1 if the item is not a definite map. */
  mapHead(): i32 {
    const ib = this.u8();
    if (ib >> 5 != MT_MAP || (ib & 31) == 31) {
      this.fail();
      return -1;
    }
    return <i32>this.arg(ib);
  }

  arrayHead(): i32 {
    const ib = this.u8();
    if (ib >> 5 != MT_ARRAY || (ib & 31) == 31) {
      this.fail();
      return -1;
    }
    return <i32>this.arg(ib);
  }

  int(): i64 {
    const ib = this.u8();
    const mt = ib >> 5;
    if (mt == MT_UINT) return <i64>this.arg(ib);
    if (mt == MT_NINT) return -1 - <i64>this.arg(ib);
    if (mt == MT_SIMPLE) {
      this.pos--;
      return <i64>this.float();
    }
    this.fail();
    return 0;
  }

  float(): f64 {
    const ib = this.u8();
    const mt = ib >> 5;
    if (mt == MT_UINT) return <f64>this.arg(ib);
    if (mt == MT_NINT) return -1.0 - <f64>this.arg(ib);
    if (mt != MT_SIMPLE) {
      this.fail();
      return 0;
    }
    const info = ib & 31;
    if (info == 25) return halfToF64(<u16>this.arg(ib));
    if (info == 26) return <f64>reinterpret<f32>(<u32>this.arg(ib));
    if (info == 27) return reinterpret<f64>(this.arg(ib));
    this.fail();
    return 0;
  }

  bool(): bool {
    const ib = this.u8();
    if (ib == 0xf5) return true;
    if (ib != 0xf4) this.fail();
    return false;
  }

  /** Text as a string; "" when the item is not text. */
  text(): string {
    const ib = this.u8();
    if (ib >> 5 != MT_TEXT) {
      this.fail();
      return "";
    }
    const n = <usize>this.arg(ib);
    if (this.pos + n > this.end) {
      this.fail();
      return "";
    }
    const s = String.UTF8.decodeUnsafe(this.pos, n);
    this.pos += n;
    return s;
  }

  bytes(): Uint8Array {
    const ib = this.u8();
    if (ib >> 5 != MT_BYTES) {
      this.fail();
      return new Uint8Array(0);
    }
    const n = <usize>this.arg(ib);
    if (this.pos + n > this.end) {
      this.fail();
      return new Uint8Array(0);
    }
    const out = new Uint8Array(<i32>n);
    memory.copy(out.dataStart, this.pos, n);
    this.pos += n;
    return out;
  }

  /** True if the next item is text equal to `key` (consumed either way). */
  textEquals(key: ArrayBuffer): bool {
    const ib = this.u8();
    if (ib >> 5 != MT_TEXT) {
      this.pos--;
      this.skip();
      return false;
    }
    const n = <usize>this.arg(ib);
    if (this.pos + n > this.end) {
      this.fail();
      return false;
    }
    const eq = n == <usize>key.byteLength && memory.compare(this.pos, changetype<usize>(key), n) == 0;
    this.pos += n;
    return eq;
  }

  /** Skips one whole item (nested arrays and maps included). */
  skip(): void {
    let pending: i64 = 1;
    while (pending > 0 && this.ok) {
      pending--;
      const ib = this.u8();
      const mt = ib >> 5;
      if ((ib & 31) == 31) {
        this.fail();
        return;
      }
      const v = this.arg(ib);
      if (mt == MT_BYTES || mt == MT_TEXT) {
        if (this.pos + <usize>v > this.end) this.fail();
        else this.pos += <usize>v;
      } else if (mt == MT_ARRAY) pending += <i64>v;
      else if (mt == MT_MAP) pending += <i64>v * 2;
      else if (mt == 6) pending += 1;
    }
  }
}

function halfToF64(h: u16): f64 {
  const exp = (h >> 10) & 0x1f;
  const mant = <f64>(h & 0x3ff);
  let v: f64;
  if (exp == 0) v = mant * Math.pow(2, -24);
  else if (exp == 31) v = mant == 0 ? Infinity : NaN;
  else v = (mant + 1024) * Math.pow(2, <f64>exp - 25);
  return h & 0x8000 ? -v : v;
}
