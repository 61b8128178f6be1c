// The ESP32 serial download protocol, first as the mask ROM speaks it, then (after the
// flasher stub is uploaded with MEM_BEGIN/DATA/END and started) as the stub speaks it:
// 2-byte status, compressed writes, raw MD5, erase, read-back. Requests are SLIP frames
// `00 op u16len u32chk data`; responses `01 op u16len u32value data status`.
import { createHash } from "node:crypto";
import { createInflate, type Inflate } from "node:zlib";
import { Esp32Registers } from "./chip.ts";

export const OP = {
  FLASH_BEGIN: 0x02, FLASH_DATA: 0x03, FLASH_END: 0x04, MEM_BEGIN: 0x05, MEM_END: 0x06, MEM_DATA: 0x07, SYNC: 0x08,
  WRITE_REG: 0x09, READ_REG: 0x0a, SPI_SET_PARAMS: 0x0b, SPI_ATTACH: 0x0d, CHANGE_BAUDRATE: 0x0f,
  FLASH_DEFL_BEGIN: 0x10, FLASH_DEFL_DATA: 0x11, FLASH_DEFL_END: 0x12, SPI_FLASH_MD5: 0x13, GET_SECURITY_INFO: 0x14,
  ERASE_FLASH: 0xd0, ERASE_REGION: 0xd1, READ_FLASH: 0xd2, RUN_USER_CODE: 0xd3,
} as const;

// ROM error codes (esptool "Serial Protocol") and the stub's own.
const ROM_ERR = { INVALID_MESSAGE: 0x05, FAILED: 0x06, BAD_CRC: 0x07, WRITE: 0x08, READ: 0x09, READ_LENGTH: 0x0a, DEFLATE: 0x0b } as const;
const STUB_ERR = { BAD_DATA_LEN: 0xc0, BAD_DATA_CHECKSUM: 0xc1, BAD_BLOCKSIZE: 0xc2, INVALID_COMMAND: 0xc3, FAILED_SPI_OP: 0xc4, NOT_IN_FLASH_MODE: 0xc6, INFLATE_ERROR: 0xc7, NOT_ENOUGH_DATA: 0xc8, TOO_MUCH_DATA: 0xc9 } as const;
const SECTOR = 0x1000;
/** What the ROM puts in a SYNC reply's value field; 0 there means "a stub answers". */
const ROM_SYNC_VALUE = 0x20120707;

type Send = (frame: Uint8Array) => Promise<void>;

interface FlashSession {
  readonly offset: number;
  readonly blockSize: number;
  readonly blocks: number;
  /** Bytes that may be written (the uncompressed size for the stub's deflate). */
  readonly size: number;
  nextSeq: number;
  written: number;
  inflate?: Inflate;
  inflateError?: Error;
}

interface ReadSession {
  readonly offset: number;
  readonly length: number;
  readonly packet: number;
  readonly inflight: number;
  sent: number;
  acked: number;
}

export class Esp32SerialLoader {
  readonly flash: Uint8Array;
  readonly regs: Esp32Registers;
  mode: "rom" | "stub" | "app" = "rom";
  baud = 115200;
  /** Every request op handled, in order, for tests. */
  readonly ops: number[] = [];
  readonly ram = new Map<number, Uint8Array>();
  private mem: { offset: number; size: number; blocks: number; blockSize: number; nextSeq: number; data: Uint8Array } | null = null;
  private session: FlashSession | null = null;
  private reading: ReadSession | null = null;

  constructor(readonly flashBytes = 4 << 20) {
    this.flash = new Uint8Array(flashBytes).fill(0xff);
    this.regs = new Esp32Registers(flashBytes);
  }

  async handle(frame: Uint8Array, send: Send): Promise<void> {
    if (this.reading) return this.readAck(frame, send);
    if (this.mode === "app" || frame.length < 8 || frame[0] !== 0x00) return; // not a request: the ROM ignores it
    const op = frame[1]!;
    const v = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
    const len = v.getUint16(2, true);
    const chk = v.getUint32(4, true);
    const data = frame.subarray(8);
    this.ops.push(op);
    const reply = (value = 0, payload: Uint8Array = new Uint8Array(0), error = 0): Promise<void> => send(this.response(op, value, payload, error));
    if (data.length !== len) return reply(0, undefined, this.mode === "rom" ? ROM_ERR.INVALID_MESSAGE : STUB_ERR.BAD_DATA_LEN);
    const u32 = (i: number): number => v.getUint32(8 + 4 * i, true);
    switch (op) {
      case OP.SYNC: {
        const ok = len === 36 && data[0] === 0x07 && data[1] === 0x07 && data[2] === 0x12 && data[3] === 0x20 && data.subarray(4).every((b) => b === 0x55);
        if (!ok) return reply(0, undefined, ROM_ERR.INVALID_MESSAGE);
        if (this.mode === "stub") return reply(0);
        for (let i = 0; i < 8; i++) await reply(ROM_SYNC_VALUE); // the ROM answers one SYNC eight times
        return;
      }
      case OP.READ_REG:
        return reply(this.regs.read(u32(0)));
      case OP.WRITE_REG:
        if (len % 16) return reply(0, undefined, this.err("INVALID_MESSAGE", "BAD_DATA_LEN"));
        for (let i = 0; i < len / 16; i++) this.regs.write(u32(4 * i), u32(4 * i + 1), u32(4 * i + 2));
        return reply();
      case OP.SPI_ATTACH:
      case OP.SPI_SET_PARAMS:
        return reply();
      case OP.CHANGE_BAUDRATE:
        await reply();
        this.baud = u32(0); // the reply goes out at the old rate, then the UART switches
        return;
      case OP.MEM_BEGIN:
        if (this.mode !== "rom") return reply(0, undefined, STUB_ERR.INVALID_COMMAND);
        this.mem = { size: u32(0), blocks: u32(1), blockSize: u32(2), offset: u32(3), nextSeq: 0, data: new Uint8Array(u32(0)) };
        return reply();
      case OP.MEM_DATA: {
        const m = this.mem;
        const block = data.subarray(16);
        if (!m || u32(1) !== m.nextSeq || u32(0) !== block.length) return reply(0, undefined, ROM_ERR.INVALID_MESSAGE);
        if (checksum(block) !== chk) return reply(0, undefined, ROM_ERR.BAD_CRC);
        if (m.nextSeq * m.blockSize + block.length > m.size) return reply(0, undefined, ROM_ERR.INVALID_MESSAGE);
        m.data.set(block, m.nextSeq * m.blockSize);
        m.nextSeq++;
        return reply();
      }
      case OP.MEM_END: {
        if (this.mem) this.ram.set(this.mem.offset, this.mem.data);
        this.mem = null;
        await reply();
        if (u32(0) === 0) {
          // Jump to the uploaded code: the flasher stub starts and announces itself.
          this.mode = "stub";
          await send(new TextEncoder().encode("OHAI"));
        }
        return;
      }
      case OP.FLASH_BEGIN:
      case OP.FLASH_DEFL_BEGIN: {
        const deflate = op === OP.FLASH_DEFL_BEGIN;
        const size = u32(0);
        const offset = u32(3);
        if (offset + size > this.flashBytes) return reply(0, undefined, this.err("FAILED", "TOO_MUCH_DATA"));
        // The ROM erases whole sectors covering `size`; so does the stub for the uncompressed size.
        const eraseEnd = Math.min(this.flashBytes, Math.ceil((offset + size) / SECTOR) * SECTOR);
        this.flash.fill(0xff, offset - (offset % SECTOR), eraseEnd);
        this.session = { offset, size, blocks: u32(1), blockSize: u32(2), nextSeq: 0, written: 0 };
        if (deflate) this.startInflate(this.session);
        return reply();
      }
      case OP.FLASH_DATA:
      case OP.FLASH_DEFL_DATA: {
        const s = this.session;
        const block = data.subarray(16);
        if (!s) return reply(0, undefined, this.err("FAILED", "NOT_IN_FLASH_MODE"));
        if (u32(0) !== block.length) return reply(0, undefined, this.err("INVALID_MESSAGE", "BAD_DATA_LEN"));
        if (checksum(block) !== chk) return reply(0, undefined, this.err("BAD_CRC", "BAD_DATA_CHECKSUM"));
        if (u32(1) !== s.nextSeq) return reply(0, undefined, this.err("INVALID_MESSAGE", "BAD_BLOCKSIZE"));
        s.nextSeq++;
        if (op === OP.FLASH_DATA) {
          const at = s.offset + (s.nextSeq - 1) * s.blockSize;
          const n = Math.min(block.length, this.flashBytes - at);
          this.flash.set(block.subarray(0, n), at);
          s.written += n;
          return reply();
        }
        await writeAndFlush(s.inflate!, block);
        if (s.inflateError) return reply(0, undefined, this.err("DEFLATE", "INFLATE_ERROR"));
        if (s.written > s.size) return reply(0, undefined, this.err("DEFLATE", "TOO_MUCH_DATA"));
        return reply();
      }
      case OP.FLASH_END:
      case OP.FLASH_DEFL_END: {
        const s = this.session;
        this.session = null;
        if (!s) return reply(0, undefined, this.err("FAILED", "NOT_IN_FLASH_MODE"));
        if (s.inflate) {
          await new Promise<void>((resolve) => {
            s.inflate!.once("end", resolve);
            s.inflate!.once("error", () => resolve());
            s.inflate!.end();
          });
          if (s.inflateError || s.written !== s.size) return reply(0, undefined, this.err("DEFLATE", "NOT_ENOUGH_DATA"));
        }
        await reply();
        if (u32(0) === 0) this.mode = "app"; // "reboot": run the flashed application
        return;
      }
      case OP.SPI_FLASH_MD5: {
        const addr = u32(0);
        const size = u32(1);
        if (addr + size > this.flashBytes) return reply(0, undefined, this.err("READ", "FAILED_SPI_OP"));
        const md5 = createHash("md5").update(this.flash.subarray(addr, addr + size)).digest();
        // The ROM answers in 32 ASCII hex digits, the stub in 16 raw bytes.
        return reply(0, this.mode === "rom" ? new TextEncoder().encode(md5.toString("hex")) : new Uint8Array(md5));
      }
      case OP.ERASE_FLASH:
        if (this.mode !== "stub") return this.unsupported(op, send);
        this.flash.fill(0xff);
        return reply();
      case OP.ERASE_REGION: {
        if (this.mode !== "stub") return this.unsupported(op, send);
        const [offset, size] = [u32(0), u32(1)];
        if (offset % SECTOR || size % SECTOR || offset + size > this.flashBytes) return reply(0, undefined, STUB_ERR.BAD_DATA_LEN);
        this.flash.fill(0xff, offset, offset + size);
        return reply();
      }
      case OP.READ_FLASH: {
        if (this.mode !== "stub") return this.unsupported(op, send);
        const r: ReadSession = { offset: u32(0), length: u32(1), packet: u32(2), inflight: Math.max(1, u32(3)), sent: 0, acked: 0 };
        if (r.offset + r.length > this.flashBytes || r.packet === 0) return reply(0, undefined, STUB_ERR.BAD_DATA_LEN);
        await reply();
        this.reading = r;
        return this.sendReadPackets(send);
      }
      case OP.RUN_USER_CODE:
        if (this.mode !== "stub") return this.unsupported(op, send);
        this.mode = "app"; // no reply: the application starts
        return;
      default:
        return this.unsupported(op, send);
    }
  }

  private err(rom: keyof typeof ROM_ERR, stub: keyof typeof STUB_ERR): number {
    return this.mode === "rom" ? ROM_ERR[rom] : STUB_ERR[stub];
  }

  /**
   * The ESP32 ROM has no GET_SECURITY_INFO (nor stub-only ops): it answers "invalid
   * message" under another op byte than the request's, which tells the tool the command is
   * unsupported. The stub answers under the request's op with its invalid-command code.
   */
  private unsupported(op: number, send: Send): Promise<void> {
    if (this.mode === "rom") return send(this.response(0x00, 0, new Uint8Array(0), ROM_ERR.INVALID_MESSAGE));
    return send(this.response(op, 0, new Uint8Array(0), STUB_ERR.INVALID_COMMAND));
  }

  private response(op: number, value: number, payload: Uint8Array, error: number): Uint8Array {
    const status = this.mode === "rom" ? Uint8Array.of(error ? 1 : 0, error, 0, 0) : Uint8Array.of(error ? 1 : 0, error);
    const out = new Uint8Array(8 + payload.length + status.length);
    const v = new DataView(out.buffer);
    out[0] = 0x01;
    out[1] = op;
    v.setUint16(2, payload.length + status.length, true);
    v.setUint32(4, value >>> 0, true);
    out.set(payload, 8);
    out.set(status, 8 + payload.length);
    return out;
  }

  private startInflate(s: FlashSession): void {
    const inflate = createInflate();
    inflate.on("data", (chunk: Buffer) => {
      const at = s.offset + s.written;
      const n = Math.max(0, Math.min(chunk.length, this.flashBytes - at, s.size - s.written));
      this.flash.set(chunk.subarray(0, n), at);
      s.written += chunk.length;
    });
    inflate.on("error", (e) => (s.inflateError = e));
    s.inflate = inflate;
  }

  private async sendReadPackets(send: Send): Promise<void> {
    const r = this.reading!;
    while (r.sent < r.length && r.sent - r.acked < r.inflight * r.packet) {
      const n = Math.min(r.packet, r.length - r.sent);
      await send(this.flash.slice(r.offset + r.sent, r.offset + r.sent + n));
      r.sent += n;
    }
  }

  /** During READ_FLASH the host acknowledges with the byte count it has (4 bytes LE). */
  private async readAck(frame: Uint8Array, send: Send): Promise<void> {
    const r = this.reading!;
    if (frame.length !== 4) return;
    r.acked = new DataView(frame.buffer, frame.byteOffset).getUint32(0, true);
    if (r.acked >= r.length) {
      this.reading = null;
      await send(new Uint8Array(createHash("md5").update(this.flash.subarray(r.offset, r.offset + r.length)).digest()));
      return;
    }
    await this.sendReadPackets(send);
  }
}

function checksum(data: Uint8Array): number {
  let c = 0xef;
  for (const b of data) c ^= b;
  return c;
}

function writeAndFlush(z: Inflate, data: Uint8Array): Promise<void> {
  return new Promise((resolve) => {
    if (z.destroyed) return resolve();
    z.write(data);
    z.flush(() => resolve());
  });
}
