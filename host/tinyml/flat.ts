// Bounds-checked access to flatbuffer tables. The flatbuffers runtime reads past the end silently
// (or throws a bare RangeError), so every position is checked here and a corrupt file is named.
import { ByteBuffer } from "flatbuffers";
import { ModelError } from "./errors.ts";

export class FlatTable {
  private readonly vtable: number;
  private readonly vtableSize: number;

  constructor(
    readonly bb: ByteBuffer,
    readonly pos: number,
    readonly what: string,
  ) {
    check(bb, pos, 4, what);
    this.vtable = pos - bb.readInt32(pos);
    check(bb, this.vtable, 4, `${what} vtable`);
    this.vtableSize = bb.readUint16(this.vtable);
    check(bb, this.vtable, this.vtableSize, `${what} vtable`);
    if (this.vtableSize < 4 || this.vtableSize % 2 !== 0) fail(`${what}: bad vtable size ${this.vtableSize}`);
    const tableSize = bb.readUint16(this.vtable + 2);
    check(bb, pos, tableSize, what);
  }

  /** Absolute position of field `index`, or 0 when absent. */
  private field(index: number, size: number): number {
    const vo = 4 + 2 * index;
    if (vo + 2 > this.vtableSize) return 0;
    const rel = this.bb.readUint16(this.vtable + vo);
    if (rel === 0) return 0;
    check(this.bb, this.pos + rel, size, `${this.what} field ${index}`);
    return this.pos + rel;
  }

  has(index: number): boolean {
    return this.field(index, 1) !== 0;
  }
  u8(index: number, dflt = 0): number {
    const p = this.field(index, 1);
    return p ? this.bb.readUint8(p) : dflt;
  }
  i8(index: number, dflt = 0): number {
    const p = this.field(index, 1);
    return p ? this.bb.readInt8(p) : dflt;
  }
  i32(index: number, dflt = 0): number {
    const p = this.field(index, 4);
    return p ? this.bb.readInt32(p) : dflt;
  }
  u32(index: number, dflt = 0): number {
    const p = this.field(index, 4);
    return p ? this.bb.readUint32(p) : dflt;
  }
  f32(index: number, dflt = 0): number {
    const p = this.field(index, 4);
    return p ? this.bb.readFloat32(p) : dflt;
  }
  bool(index: number, dflt = false): boolean {
    const p = this.field(index, 1);
    return p ? this.bb.readUint8(p) !== 0 : dflt;
  }

  /** Start and length of a vector field of `elemSize`-byte elements, or null when absent. */
  vector(index: number, elemSize: number): { start: number; length: number } | null {
    const p = this.field(index, 4);
    if (!p) return null;
    const vec = p + this.bb.readUint32(p);
    check(this.bb, vec, 4, `${this.what} field ${index} vector`);
    const length = this.bb.readUint32(vec);
    check(this.bb, vec + 4, length * elemSize, `${this.what} field ${index} vector of ${length}`);
    return { start: vec + 4, length };
  }
  i32s(index: number): number[] {
    const v = this.vector(index, 4);
    const out: number[] = [];
    if (v) for (let i = 0; i < v.length; i++) out.push(this.bb.readInt32(v.start + 4 * i));
    return out;
  }
  f32s(index: number): number[] {
    const v = this.vector(index, 4);
    const out: number[] = [];
    if (v) for (let i = 0; i < v.length; i++) out.push(this.bb.readFloat32(v.start + 4 * i));
    return out;
  }
  i64s(index: number): number[] {
    const v = this.vector(index, 8);
    const out: number[] = [];
    if (v) for (let i = 0; i < v.length; i++) out.push(Number(this.bb.readInt64(v.start + 8 * i)));
    return out;
  }
  bytes(index: number): Uint8Array | null {
    const v = this.vector(index, 1);
    return v ? this.bb.bytes().subarray(v.start, v.start + v.length) : null;
  }
  string(index: number): string {
    const b = this.bytes(index);
    return b ? new TextDecoder().decode(b) : "";
  }
  table(index: number, what: string): FlatTable | null {
    const p = this.field(index, 4);
    if (!p) return null;
    return new FlatTable(this.bb, p + this.bb.readUint32(p), what);
  }
  tables(index: number, what: string): FlatTable[] {
    const v = this.vector(index, 4);
    const out: FlatTable[] = [];
    if (v)
      for (let i = 0; i < v.length; i++) {
        const at = v.start + 4 * i;
        out.push(new FlatTable(this.bb, at + this.bb.readUint32(at), `${what}[${i}]`));
      }
    return out;
  }
}

/** The root table of a flatbuffer. */
export function rootTable(bytes: Uint8Array, what: string): FlatTable {
  const bb = new ByteBuffer(bytes);
  check(bb, 0, 8, `${what} header`);
  return new FlatTable(bb, bb.readUint32(0), what);
}

function check(bb: ByteBuffer, pos: number, size: number, what: string): void {
  if (!Number.isInteger(pos) || pos < 0 || size < 0 || pos + size > bb.capacity())
    fail(`${what} lies outside the file (offset ${pos}, ${size} bytes, file is ${bb.capacity()} bytes): truncated or corrupt`);
}

function fail(message: string): never {
  throw new ModelError("corrupt", message);
}
