// ESP32 app images (esp_app_format.h): checked before flashing, and built for tests.
// 24-byte header, segments {load_addr, len, data}, zero padding to 15 mod 16, a checksum
// byte (0xEF xor all segment data), then SHA-256 of everything before it if hash_appended.
import { createHash } from "node:crypto";

export const IMAGE_MAGIC = 0xe9;
export const APP_DESC_MAGIC = 0xabcd5432;
export const CHIP_IDS: Readonly<Record<string, number>> = { esp32: 0x0000, esp32s2: 0x0002, esp32c3: 0x0005, esp32s3: 0x0009, esp32c2: 0x000c, esp32c6: 0x000d, esp32h2: 0x0010 };

export interface Segment {
  readonly loadAddr: number;
  readonly data: Uint8Array;
}

export interface AppImageInfo {
  readonly entry: number;
  readonly chipId: number;
  readonly spiMode: number;
  readonly flashSizeCode: number;
  readonly segments: readonly { loadAddr: number; length: number }[];
  readonly hashAppended: boolean;
  /** From esp_app_desc_t when the first segment starts with one. */
  readonly version?: string;
  readonly projectName?: string;
  /** Bytes the image occupies (header to checksum/SHA-256). */
  readonly length: number;
}

export class ImageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ImageError";
  }
}

export interface BuildAppImage {
  readonly entry: number;
  readonly segments: readonly Segment[];
  readonly chip?: string;
  readonly spiMode?: number;
  readonly hashAppended?: boolean;
}

export function buildAppImage(o: BuildAppImage): Uint8Array {
  const chipId = CHIP_IDS[o.chip ?? "esp32"];
  if (chipId === undefined) throw new ImageError(`unknown chip "${o.chip}"`);
  for (const seg of o.segments)
    if (seg.data.length % 4) throw new ImageError(`segment at 0x${seg.loadAddr.toString(16)}: length ${seg.data.length} is not a multiple of 4`);
  let bodyLen = 24 + o.segments.reduce((n, seg) => n + 8 + seg.data.length, 0);
  while (bodyLen % 16 !== 15) bodyLen++;
  bodyLen++; // the checksum byte
  const hash = o.hashAppended !== false;
  const out = new Uint8Array(bodyLen + (hash ? 32 : 0));
  const v = new DataView(out.buffer);
  out[0] = IMAGE_MAGIC;
  out[1] = o.segments.length;
  out[2] = o.spiMode ?? 2; // DIO
  out[3] = 0x20; // 40 MHz, 4 MB
  v.setUint32(4, o.entry, true);
  out[8] = 0xee; // wp_pin: none
  v.setUint16(12, chipId, true);
  v.setUint16(15, 0, true);
  v.setUint16(17, 0xffff, true);
  out[23] = hash ? 1 : 0;
  let at = 24;
  let checksum = 0xef;
  for (const seg of o.segments) {
    v.setUint32(at, seg.loadAddr, true);
    v.setUint32(at + 4, seg.data.length, true);
    out.set(seg.data, at + 8);
    for (const b of seg.data) checksum ^= b;
    at += 8 + seg.data.length;
  }
  out[bodyLen - 1] = checksum; // zero padding lies between
  if (hash) out.set(createHash("sha256").update(out.subarray(0, bodyLen)).digest(), bodyLen);
  return out;
}

/** Checks header, segments, checksum and SHA-256; throws ImageError naming what is wrong. */
export function checkAppImage(bytes: Uint8Array, chip = "esp32", where = "app image"): AppImageInfo {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 24) throw new ImageError(`${where}: ${bytes.length} bytes, shorter than the 24-byte header`);
  if (bytes[0] !== IMAGE_MAGIC) throw new ImageError(`${where}: magic 0x${bytes[0]!.toString(16)} (expected 0xe9): not an ESP app image`);
  const count = bytes[1]!;
  if (count === 0 || count > 16) throw new ImageError(`${where}: ${count} segments (expected 1..16)`);
  const chipId = v.getUint16(12, true);
  const want = CHIP_IDS[chip];
  if (want === undefined) throw new ImageError(`unknown chip "${chip}"`);
  if (chipId !== want) throw new ImageError(`${where}: built for chip id ${chipId}, the board is ${chip} (${want})`);
  let at = 24;
  let checksum = 0xef;
  const segments: { loadAddr: number; length: number }[] = [];
  for (let i = 0; i < count; i++) {
    if (at + 8 > bytes.length) throw new ImageError(`${where}: truncated in segment ${i} header`);
    const loadAddr = v.getUint32(at, true);
    const length = v.getUint32(at + 4, true);
    if (at + 8 + length > bytes.length) throw new ImageError(`${where}: segment ${i} (${length} bytes at 0x${loadAddr.toString(16)}) runs past the end`);
    for (let k = at + 8; k < at + 8 + length; k++) checksum ^= bytes[k]!;
    segments.push({ loadAddr, length });
    at += 8 + length;
  }
  while (at % 16 !== 15) at++;
  if (at >= bytes.length) throw new ImageError(`${where}: truncated before the checksum byte`);
  if (bytes[at] !== checksum) throw new ImageError(`${where}: checksum 0x${bytes[at]!.toString(16)} does not match the segments (0x${checksum.toString(16)})`);
  at++;
  const hashAppended = bytes[23] === 1;
  if (hashAppended) {
    if (at + 32 > bytes.length) throw new ImageError(`${where}: truncated in the appended SHA-256`);
    const digest = createHash("sha256").update(bytes.subarray(0, at)).digest();
    if (!digest.equals(Buffer.from(bytes.subarray(at, at + 32)))) throw new ImageError(`${where}: appended SHA-256 does not match the image`);
    at += 32;
  }
  const info: AppImageInfo = { entry: v.getUint32(4, true), chipId, spiMode: bytes[2]!, flashSizeCode: bytes[3]! >> 4, segments, hashAppended, length: at };
  const first = 24 + 8;
  if (count > 0 && segments[0]!.length >= 256 && v.getUint32(first, true) === APP_DESC_MAGIC) {
    const str = (o: number): string => {
      const b = bytes.subarray(first + o, first + o + 32);
      const z = b.indexOf(0);
      return new TextDecoder().decode(b.subarray(0, z < 0 ? 32 : z));
    };
    return { ...info, version: str(16), projectName: str(48) };
  }
  return info;
}

/** An esp_app_desc_t (256 bytes) for the start of an app's first segment. */
export function appDescriptor(version: string, projectName: string): Uint8Array {
  const d = new Uint8Array(256);
  new DataView(d.buffer).setUint32(0, APP_DESC_MAGIC, true);
  d.set(new TextEncoder().encode(version).subarray(0, 31), 16);
  d.set(new TextEncoder().encode(projectName).subarray(0, 31), 48);
  return d;
}
