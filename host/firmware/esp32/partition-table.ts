// ESP-IDF partition tables: the CSV/JSON description to the binary at 0x8000 and back.
// Binary: 32-byte entries <2sBBLL16sL> (magic AA 50, type, subtype, offset, size, label,
// flags), then an MD5 entry (EB EB, 14 x FF, MD5 of the entries), padded with FF to 0xC00.
import { createHash } from "node:crypto";

export const PARTITION_TABLE_OFFSET = 0x8000;
export const PARTITION_TABLE_SIZE = 0xc00;
const ENTRY = 32;
const MAX_ENTRIES = PARTITION_TABLE_SIZE / ENTRY - 1;

export const TYPES: Readonly<Record<string, number>> = { app: 0x00, data: 0x01 };
export const APP_SUBTYPES: Readonly<Record<string, number>> = {
  factory: 0x00,
  test: 0x20,
  ...Object.fromEntries(Array.from({ length: 16 }, (_, n) => [`ota_${n}`, 0x10 + n])),
};
export const DATA_SUBTYPES: Readonly<Record<string, number>> = {
  ota: 0x00, phy: 0x01, nvs: 0x02, coredump: 0x03, nvs_keys: 0x04, efuse: 0x05, undefined: 0x06, fat: 0x81, spiffs: 0x82, littlefs: 0x83,
};

export interface Partition {
  readonly name: string;
  readonly type: number;
  readonly subtype: number;
  readonly offset: number;
  readonly size: number;
  readonly encrypted: boolean;
  readonly readonly: boolean;
}

/** A partition as written by hand: names or numbers, offset optional, sizes as "1M", "0x6000". */
export interface PartitionSpec {
  readonly name: string;
  readonly type: string | number;
  readonly subtype: string | number;
  readonly offset?: string | number;
  readonly size: string | number;
  readonly flags?: string | readonly string[];
}

export class PartitionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PartitionError";
  }
}

export function parseSize(v: string | number, where: string): number {
  if (typeof v === "number") return v;
  const m = /^\s*(0x[0-9a-f]+|\d+)\s*([KM]?)\s*$/i.exec(v);
  if (!m) throw new PartitionError(`${where}: "${v}" is not a size or offset (e.g. 0x9000, 24K, 1M)`);
  const n = m[1]!.toLowerCase().startsWith("0x") ? parseInt(m[1]!, 16) : parseInt(m[1]!, 10);
  return n * (m[2]?.toUpperCase() === "M" ? 1 << 20 : m[2]?.toUpperCase() === "K" ? 1 << 10 : 1);
}

function lookup(table: Readonly<Record<string, number>>, v: string | number, where: string): number {
  if (typeof v === "number") return v;
  const t = v.trim();
  if (/^(0x[0-9a-f]+|\d+)$/i.test(t)) return Number(t);
  const n = table[t.toLowerCase()];
  if (n === undefined) throw new PartitionError(`${where}: unknown "${t}" (known: ${Object.keys(table).join(", ")})`);
  return n;
}

/** ESP-IDF CSV: `# Name, Type, SubType, Offset, Size, Flags`; `#` starts a comment. */
export function parsePartitionCsv(text: string, file = "partitions.csv"): PartitionSpec[] {
  const out: PartitionSpec[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.replace(/#.*/, "").trim();
    if (!line) return;
    const f = line.split(",").map((s) => s.trim());
    if (f.length < 5) throw new PartitionError(`${file}:${i + 1}: expected Name, Type, SubType, Offset, Size[, Flags]`);
    out.push({ name: f[0]!, type: f[1]!, subtype: f[2]!, offset: f[3] || undefined, size: f[4]!, flags: f[5] ? f[5].split(":").map((s) => s.trim()).filter(Boolean) : [] });
  });
  return out;
}

/** Resolves names and fills missing offsets the way gen_esp32part.py does. */
export function resolvePartitions(specs: readonly PartitionSpec[], tableOffset = PARTITION_TABLE_OFFSET): Partition[] {
  let next = tableOffset + 0x1000;
  const out: Partition[] = [];
  specs.forEach((s, i) => {
    const where = `partition ${i} (${s.name})`;
    if (!s.name || new TextEncoder().encode(s.name).length > 16) throw new PartitionError(`${where}: name must be 1 to 16 bytes`);
    const type = lookup(TYPES, s.type, `${where} type`);
    const subtype = lookup(type === 0 ? APP_SUBTYPES : type === 1 ? DATA_SUBTYPES : {}, s.subtype, `${where} subtype`);
    const align = type === 0 ? 0x10000 : 0x1000;
    let offset = s.offset === undefined || s.offset === "" ? next : parseSize(s.offset, `${where} offset`);
    if (s.offset === undefined || s.offset === "") offset = Math.ceil(offset / align) * align;
    if (offset % align) throw new PartitionError(`${where}: offset 0x${offset.toString(16)} is not aligned to 0x${align.toString(16)}`);
    if (offset < next) throw new PartitionError(`${where}: offset 0x${offset.toString(16)} overlaps the previous partition (ends at 0x${next.toString(16)})`);
    const size = parseSize(s.size, `${where} size`);
    if (size <= 0) throw new PartitionError(`${where}: size must be positive`);
    if (type === 0 && size % 0x1000) throw new PartitionError(`${where}: app size must be a multiple of 4K`);
    const flags = typeof s.flags === "string" ? s.flags.split(":") : (s.flags ?? []);
    for (const f of flags) if (f !== "encrypted" && f !== "readonly") throw new PartitionError(`${where}: unknown flag "${f}"`);
    if (out.some((p) => p.name === s.name)) throw new PartitionError(`${where}: duplicate name`);
    out.push({ name: s.name, type, subtype, offset, size, encrypted: flags.includes("encrypted"), readonly: flags.includes("readonly") });
    next = offset + size;
  });
  return out;
}

export function buildPartitionTable(parts: readonly Partition[]): Uint8Array {
  if (parts.length > MAX_ENTRIES) throw new PartitionError(`${parts.length} partitions: at most ${MAX_ENTRIES} fit`);
  const out = new Uint8Array(PARTITION_TABLE_SIZE).fill(0xff);
  const v = new DataView(out.buffer);
  parts.forEach((p, i) => {
    const at = i * ENTRY;
    out.set([0xaa, 0x50, p.type, p.subtype], at);
    v.setUint32(at + 4, p.offset, true);
    v.setUint32(at + 8, p.size, true);
    out.fill(0, at + 12, at + 28);
    out.set(new TextEncoder().encode(p.name), at + 12);
    v.setUint32(at + 28, (p.encrypted ? 1 : 0) | (p.readonly ? 2 : 0), true);
  });
  const md5At = parts.length * ENTRY;
  out.set([0xeb, 0xeb], md5At);
  out.set(createHash("md5").update(out.subarray(0, md5At)).digest(), md5At + 16);
  return out;
}

export function parsePartitionTable(bin: Uint8Array): Partition[] {
  const v = new DataView(bin.buffer, bin.byteOffset, bin.byteLength);
  const out: Partition[] = [];
  for (let at = 0; at + ENTRY <= bin.length; at += ENTRY) {
    if (bin[at] === 0xeb && bin[at + 1] === 0xeb) {
      const md5 = createHash("md5").update(bin.subarray(0, at)).digest();
      if (!md5.equals(Buffer.from(bin.subarray(at + 16, at + 32)))) throw new PartitionError(`partition table: MD5 entry at 0x${at.toString(16)} does not match the entries`);
      return out;
    }
    if (bin[at] === 0xff && bin[at + 1] === 0xff) return out; // end without MD5 (older tables)
    if (bin[at] !== 0xaa || bin[at + 1] !== 0x50) throw new PartitionError(`partition table: bad magic at entry ${at / ENTRY}`);
    const label = bin.subarray(at + 12, at + 28);
    const end = label.indexOf(0);
    const flags = v.getUint32(at + 28, true);
    out.push({
      name: new TextDecoder().decode(label.subarray(0, end < 0 ? 16 : end)),
      type: bin[at + 2]!,
      subtype: bin[at + 3]!,
      offset: v.getUint32(at + 4, true),
      size: v.getUint32(at + 8, true),
      encrypted: (flags & 1) !== 0,
      readonly: (flags & 2) !== 0,
    });
  }
  throw new PartitionError("partition table: no end marker");
}
