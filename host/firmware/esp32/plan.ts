// What goes where on an ESP32's flash: bootloader, partition table, otadata, the app in
// the first app slot, and the agent-modules image, each checked before anything is written.
import { checkAppImage } from "./app-image.ts";
import { BOOTLOADER_OFFSET, defaultPartitions } from "./layout.ts";
import { buildModulesImage, MODULES_SUBTYPE, type ModuleEntry } from "./modules-image.ts";
import { buildOtadata } from "./otadata.ts";
import { PARTITION_TABLE_OFFSET, buildPartitionTable, type Partition } from "./partition-table.ts";

export interface FlashImage {
  readonly name: string;
  readonly address: number;
  readonly data: Uint8Array;
}

export interface FlashPlanInput {
  /** "esp32", "esp32s3", ... (decides the bootloader offset and the app's chip id). */
  readonly chip: string;
  readonly flashBytes: number;
  readonly partitions?: readonly Partition[];
  readonly bootloader?: Uint8Array;
  readonly app?: Uint8Array;
  readonly modules?: readonly ModuleEntry[];
}

export function planFlash(o: FlashPlanInput): FlashImage[] {
  const parts = o.partitions ?? defaultPartitions(o.flashBytes);
  const images: FlashImage[] = [];
  const bootAt = BOOTLOADER_OFFSET[o.chip];
  if (bootAt === undefined) throw new Error(`unknown chip "${o.chip}"`);
  if (o.bootloader) {
    checkAppImage(o.bootloader, o.chip, "bootloader");
    images.push({ name: "bootloader", address: bootAt, data: o.bootloader });
  }
  images.push({ name: "partition-table", address: PARTITION_TABLE_OFFSET, data: buildPartitionTable(parts) });
  const apps = parts.filter((p) => p.type === 0 && p.subtype >= 0x10 && p.subtype < 0x20);
  if (o.app) {
    const info = checkAppImage(o.app, o.chip, "app");
    const slot = parts.find((p) => p.type === 0 && p.subtype === 0x10) ?? parts.find((p) => p.type === 0 && p.subtype === 0x00);
    if (!slot) throw new Error("partition table has no ota_0 or factory app partition");
    if (info.length > slot.size) throw new Error(`app is ${info.length} bytes, partition ${slot.name} holds ${slot.size}`);
    images.push({ name: `app (${slot.name})`, address: slot.offset, data: o.app });
    const otadata = parts.find((p) => p.type === 1 && p.subtype === 0x00);
    if (otadata && slot.subtype === 0x10) images.push({ name: "otadata", address: otadata.offset, data: buildOtadata(0, apps.length) });
  }
  if (o.modules) {
    const part = parts.find((p) => p.type === 1 && p.subtype === MODULES_SUBTYPE);
    if (!part) throw new Error(`partition table has no agent-modules partition (data, subtype 0x${MODULES_SUBTYPE.toString(16)})`);
    images.push({ name: `modules (${part.name})`, address: part.offset, data: buildModulesImage(o.modules, part.size) });
  }
  images.sort((a, b) => a.address - b.address);
  for (let i = 1; i < images.length; i++) {
    const prev = images[i - 1]!;
    if (prev.address + prev.data.length > images[i]!.address) throw new Error(`${prev.name} (0x${prev.address.toString(16)}, ${prev.data.length} bytes) overlaps ${images[i]!.name}`);
  }
  const last = images[images.length - 1]!;
  if (last.address + last.data.length > o.flashBytes) throw new Error(`${last.name} ends past the ${o.flashBytes}-byte flash`);
  return images;
}
