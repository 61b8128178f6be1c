// The agent-modules partition image (docs/flashing.md): signed bundles (.cab) behind a
// header and a directory, so the firmware finds, checks and loads each agent at boot.
import { createHash } from "node:crypto";
import { crc32 } from "../../ota/index.ts";

export const MODULES_MAGIC = "CLNYMOD1";
/** Data subtype of the modules partition (0x40..0xFE are free for applications). */
export const MODULES_SUBTYPE = 0x40;
const HEADER = 32;
const ENTRY = 80;
const ALIGN = 16;

export interface ModuleEntry {
  readonly name: string;
  readonly bytes: Uint8Array;
}

export class ModulesImageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ModulesImageError";
  }
}

/** Builds the image; `capacity` is the partition size (the image must fit). */
export function buildModulesImage(modules: readonly ModuleEntry[], capacity = Infinity): Uint8Array {
  const names = new Set<string>();
  for (const m of modules) {
    if (!m.name || new TextEncoder().encode(m.name).length > 31) throw new ModulesImageError(`module name "${m.name}" must be 1 to 31 bytes`);
    if (names.has(m.name)) throw new ModulesImageError(`module "${m.name}" appears twice`);
    names.add(m.name);
  }
  let at = HEADER + modules.length * ENTRY;
  const placed = modules.map((m) => {
    at = Math.ceil(at / ALIGN) * ALIGN;
    const p = { m, offset: at };
    at += m.bytes.length;
    return p;
  });
  const total = Math.ceil(at / ALIGN) * ALIGN;
  if (total > capacity) throw new ModulesImageError(`modules need ${total} bytes, the partition holds ${capacity}`);
  const out = new Uint8Array(total).fill(0xff);
  const v = new DataView(out.buffer);
  out.set(new TextEncoder().encode(MODULES_MAGIC), 0);
  v.setUint32(8, modules.length, true);
  v.setUint32(12, total, true);
  out.fill(0, 20, HEADER);
  placed.forEach(({ m, offset }, i) => {
    const e = HEADER + i * ENTRY;
    out.fill(0, e, e + ENTRY);
    out.set(new TextEncoder().encode(m.name), e);
    v.setUint32(e + 32, offset, true);
    v.setUint32(e + 36, m.bytes.length, true);
    out.set(createHash("sha256").update(m.bytes).digest(), e + 40);
    out.set(m.bytes, offset);
  });
  v.setUint32(16, crc32(out.subarray(HEADER, total)), true);
  return out;
}

/** Reads and checks an image (or a whole partition read back: trailing 0xFF is ignored). */
export function readModulesImage(bin: Uint8Array): ModuleEntry[] {
  if (bin.length < HEADER || new TextDecoder().decode(bin.subarray(0, 8)) !== MODULES_MAGIC) throw new ModulesImageError("modules image: bad magic (expected CLNYMOD1)");
  const v = new DataView(bin.buffer, bin.byteOffset, bin.byteLength);
  const count = v.getUint32(8, true);
  const total = v.getUint32(12, true);
  if (total > bin.length || HEADER + count * ENTRY > total) throw new ModulesImageError(`modules image: header says ${count} modules in ${total} bytes, have ${bin.length}`);
  if (crc32(bin.subarray(HEADER, total)) !== v.getUint32(16, true)) throw new ModulesImageError("modules image: CRC-32 does not match");
  const out: ModuleEntry[] = [];
  for (let i = 0; i < count; i++) {
    const e = HEADER + i * ENTRY;
    const nameBytes = bin.subarray(e, e + 32);
    const name = new TextDecoder().decode(nameBytes.subarray(0, Math.max(0, nameBytes.indexOf(0))));
    const offset = v.getUint32(e + 32, true);
    const length = v.getUint32(e + 36, true);
    if (offset + length > total) throw new ModulesImageError(`modules image: module ${i} (${name}) runs past the image`);
    const bytes = bin.slice(offset, offset + length);
    if (!createHash("sha256").update(bytes).digest().equals(Buffer.from(bin.subarray(e + 40, e + 72)))) throw new ModulesImageError(`modules image: module ${i} (${name}) SHA-256 mismatch`);
    out.push({ name, bytes });
  }
  return out;
}
