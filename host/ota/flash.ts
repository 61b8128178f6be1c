// A simulated flash chip with a write log and power cuts: after `cutAfter` more bytes have
// been written or erased, the operation stops part-way and throws PowerCut. Erase sets 0xFF.
export class PowerCut extends Error {
  constructor() {
    super("power cut");
    this.name = "PowerCut";
  }
}

export interface FlashOp {
  readonly op: "write" | "erase";
  readonly offset: number;
  readonly length: number;
}

export class SimFlash {
  readonly bytes: Uint8Array;
  readonly log: FlashOp[] = [];
  /** Bytes written or erased since creation (or since reset of this counter). */
  written = 0;
  private budget: number | null = null;

  constructor(size: number, from?: Uint8Array) {
    this.bytes = from ? new Uint8Array(from) : new Uint8Array(size).fill(0xff);
    if (this.bytes.length !== size) throw new RangeError(`flash image is ${this.bytes.length} bytes, expected ${size}`);
  }

  /** Cut the power after `n` more bytes (null: never). */
  cutAfter(n: number | null): void {
    this.budget = n;
  }

  read(offset: number, length: number): Uint8Array {
    this.check(offset, length);
    return this.bytes.slice(offset, offset + length);
  }

  write(offset: number, data: Uint8Array): void {
    this.check(offset, data.length);
    this.log.push({ op: "write", offset, length: data.length });
    this.apply(offset, data.length, (i) => data[i]!);
  }

  erase(offset: number, length: number): void {
    this.check(offset, length);
    this.log.push({ op: "erase", offset, length });
    this.apply(offset, length, () => 0xff);
  }

  private apply(offset: number, length: number, value: (i: number) => number): void {
    const n = this.budget === null ? length : Math.min(length, this.budget);
    for (let i = 0; i < n; i++) this.bytes[offset + i] = value(i);
    this.written += n;
    if (this.budget === null) return;
    this.budget -= n;
    if (n < length) throw new PowerCut();
  }

  private check(offset: number, length: number): void {
    if (offset < 0 || length < 0 || offset + length > this.bytes.length)
      throw new RangeError(`flash access ${offset}+${length} outside 0..${this.bytes.length}`);
  }
}
