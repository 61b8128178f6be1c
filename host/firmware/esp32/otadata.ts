// The otadata partition (0x2000 bytes): two esp_ota_select_entry_t, one per 4 KB sector,
// {u32 ota_seq; u8 seq_label[20]; u32 ota_state; u32 crc}, crc = CRC-32 of ota_seq's 4
// bytes with a 0xFFFFFFFF seed (what the bootloader checks). Active app = (seq-1) % apps.
import { crc32 } from "../../ota/index.ts";

export const OTADATA_SIZE = 0x2000;
const SECTOR = 0x1000;

export const OTA_STATES = { new: 0, pendingVerify: 1, valid: 2, invalid: 3, aborted: 4, undefined: 0xffffffff } as const;

export interface OtaSelectEntry {
  readonly seq: number;
  readonly state: number;
  readonly crcOk: boolean;
}

export function otaSeqCrc(seq: number): number {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, seq, true);
  return crc32(b, 0xffffffff);
}

/** otadata selecting `ota_<slot>`, with `seq` the smallest sequence number that does. */
export function buildOtadata(slot: number, appCount: number, state: number = OTA_STATES.undefined): Uint8Array {
  if (!(appCount > 0 && slot >= 0 && slot < appCount)) throw new RangeError(`ota slot ${slot} outside 0..${appCount - 1}`);
  const out = new Uint8Array(OTADATA_SIZE).fill(0xff);
  const seq = slot + 1;
  const v = new DataView(out.buffer);
  v.setUint32(0, seq, true);
  v.setUint32(24, state, true);
  v.setUint32(28, otaSeqCrc(seq), true);
  return out;
}

/** Blank otadata: the bootloader boots the factory app (or ota_0 without one). */
export function blankOtadata(): Uint8Array {
  return new Uint8Array(OTADATA_SIZE).fill(0xff);
}

export function readOtadata(bin: Uint8Array): OtaSelectEntry[] {
  if (bin.length < OTADATA_SIZE) throw new RangeError(`otadata is ${bin.length} bytes, expected ${OTADATA_SIZE}`);
  const v = new DataView(bin.buffer, bin.byteOffset, bin.byteLength);
  return [0, 1].map((i) => {
    const seq = v.getUint32(i * SECTOR, true);
    return { seq, state: v.getUint32(i * SECTOR + 24, true), crcOk: seq !== 0xffffffff && v.getUint32(i * SECTOR + 28, true) === otaSeqCrc(seq) };
  });
}

/** The app slot the bootloader picks (null: none valid, boot factory). */
export function activeOtaSlot(bin: Uint8Array, appCount: number): number | null {
  const ok = readOtadata(bin).filter((e) => e.crcOk && e.state !== OTA_STATES.invalid && e.state !== OTA_STATES.aborted);
  if (ok.length === 0) return null;
  const seq = Math.max(...ok.map((e) => e.seq));
  return (seq - 1) % appCount;
}
