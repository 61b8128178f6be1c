// Walks a function body one instruction at a time, skipping immediates. Covers the
// feature set Colony builds for (MVP, sign extension, saturating conversions, bulk
// memory, reference types, tail calls); SIMD, threads and exceptions are refused
// because wasm3 and wasm2c do not run them.
import { ByteReader, WasmFormatError } from "./reader.ts";

export const Op = {
  UNREACHABLE: 0x00,
  BLOCK: 0x02,
  LOOP: 0x03,
  IF: 0x04,
  ELSE: 0x05,
  END: 0x0b,
  GLOBAL_GET: 0x23,
  GLOBAL_SET: 0x24,
  I32_CONST: 0x41,
  I32_LT_S: 0x48,
  I32_SUB: 0x6b,
} as const;

function blockType(r: ByteReader): void {
  // 0x40 (empty), a one-byte value type, or a signed LEB type index
  r.skipLeb(5);
}

/** Reads one opcode and its immediates; returns the opcode (prefixed ops as 0xFC00 | sub). */
export function nextInstruction(r: ByteReader): number {
  const at = r.pos;
  const op = r.u8();
  switch (op) {
    case 0x02:
    case 0x03:
    case 0x04:
      blockType(r);
      return op;
    case 0x0c:
    case 0x0d:
    case 0x10:
    case 0x12:
    case 0x20:
    case 0x21:
    case 0x22:
    case 0x23:
    case 0x24:
    case 0x25:
    case 0x26:
    case 0xd2:
      r.u32();
      return op;
    case 0x0e: {
      const n = r.u32();
      for (let i = 0; i <= n; i++) r.u32();
      return op;
    }
    case 0x11:
    case 0x13:
      r.u32();
      r.u32();
      return op;
    case 0x1c: {
      const n = r.u32();
      for (let i = 0; i < n; i++) r.u8();
      return op;
    }
    case 0x3f:
    case 0x40:
      r.u32();
      return op;
    case 0x41:
      r.skipLeb(5);
      return op;
    case 0x42:
      r.skipLeb(10);
      return op;
    case 0x43:
      r.take(4);
      return op;
    case 0x44:
      r.take(8);
      return op;
    case 0xd0:
      r.u8();
      return op;
    case 0xfc: {
      const sub = r.u32();
      if (sub <= 7) return 0xfc00 | sub;
      switch (sub) {
        case 8:
        case 10:
        case 12:
        case 14:
          r.u32();
          r.u32();
          return 0xfc00 | sub;
        case 9:
        case 11:
        case 13:
        case 15:
        case 16:
        case 17:
          r.u32();
          return 0xfc00 | sub;
        default:
          throw new WasmFormatError(`unknown 0xFC instruction ${sub}`, at);
      }
    }
    case 0xfd:
      throw new WasmFormatError("SIMD instructions are not supported (wasm3 and wasm2c do not run them); build without --enable simd", at);
    case 0xfe:
      throw new WasmFormatError("atomic (threads) instructions are not supported", at);
    default:
      if (op >= 0x28 && op <= 0x3e) {
        r.u32();
        r.u32();
        return op;
      }
      if (
        op === 0x00 ||
        op === 0x01 ||
        op === 0x05 ||
        op === 0x0b ||
        op === 0x0f ||
        op === 0x1a ||
        op === 0x1b ||
        op === 0xd1 ||
        (op >= 0x45 && op <= 0xc4)
      )
        return op;
      throw new WasmFormatError(`unknown or unsupported opcode 0x${op.toString(16)}`, at);
  }
}
