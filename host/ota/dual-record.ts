// A record kept in two copies with a sequence number and a CRC: a write goes to the copy
// not holding the newest record, so a write cut at any byte leaves the newest valid record
// intact. This is the journal under the boot record and each slot's saved state.
import { crc32 } from "./crc32.ts";
import type { SimFlash } from "./flash.ts";

const MAGIC = 0x43524431; // "CRD1"
const HEADER = 12; // magic, seq, length

export class DualRecord {
  constructor(
    private readonly flash: SimFlash,
    /** Start of two copies of `capacity` bytes each. */
    private readonly offset: number,
    private readonly capacity: number,
  ) {}

  /** Bytes of body one copy can hold. */
  get maxBody(): number {
    return this.capacity - HEADER - 4;
  }

  read(): { seq: number; body: Uint8Array } | null {
    const a = this.readCopy(0);
    const b = this.readCopy(1);
    if (a && b) return a.seq > b.seq ? a : b;
    return a ?? b;
  }

  write(body: Uint8Array): void {
    if (body.length > this.maxBody) throw new RangeError(`record of ${body.length} bytes exceeds ${this.maxBody}`);
    const a = this.readCopy(0);
    const b = this.readCopy(1);
    const newest = a && b ? (a.seq > b.seq ? 0 : 1) : a ? 0 : b ? 1 : 1;
    const seq = Math.max(a?.seq ?? 0, b?.seq ?? 0) + 1;
    const target = 1 - newest;
    const rec = new Uint8Array(HEADER + body.length + 4);
    const v = new DataView(rec.buffer);
    v.setUint32(0, MAGIC, true);
    v.setUint32(4, seq, true);
    v.setUint32(8, body.length, true);
    rec.set(body, HEADER);
    v.setUint32(HEADER + body.length, crc32(rec.subarray(4, HEADER + body.length)), true);
    const at = this.offset + target * this.capacity;
    this.flash.erase(at, this.capacity);
    this.flash.write(at, rec);
  }

  private readCopy(i: number): { seq: number; body: Uint8Array } | null {
    const at = this.offset + i * this.capacity;
    const head = this.flash.read(at, HEADER);
    const v = new DataView(head.buffer);
    if (v.getUint32(0, true) !== MAGIC) return null;
    const len = v.getUint32(8, true);
    if (len > this.maxBody) return null;
    const rec = this.flash.read(at, HEADER + len + 4);
    const crc = new DataView(rec.buffer).getUint32(HEADER + len, true);
    if (crc32(rec.subarray(4, HEADER + len)) !== crc) return null;
    return { seq: v.getUint32(4, true), body: rec.slice(HEADER, HEADER + len) };
  }
}
