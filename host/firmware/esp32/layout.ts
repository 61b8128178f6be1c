// Colony's default ESP32 flash layout: bootloader, table, two OTA app slots and the agents.
import { resolvePartitions, type Partition, type PartitionSpec } from "./partition-table.ts";
import { MODULES_SUBTYPE } from "./modules-image.ts";

export const BOOTLOADER_OFFSET: Readonly<Record<string, number>> = { esp32: 0x1000, esp32s2: 0x1000, esp32c2: 0, esp32c3: 0, esp32c6: 0, esp32h2: 0, esp32s3: 0 };

/** nvs, otadata, phy_init, ota_0, ota_1 and an "agents" modules partition, for 4 MB flash. */
export function defaultPartitionSpecs(flashBytes = 4 << 20): PartitionSpec[] {
  const app = flashBytes >= 4 << 20 ? "0x180000" : "0xC0000";
  return [
    { name: "nvs", type: "data", subtype: "nvs", offset: "0x9000", size: "0x4000" },
    { name: "otadata", type: "data", subtype: "ota", offset: "0xd000", size: "0x2000" },
    { name: "phy_init", type: "data", subtype: "phy", offset: "0xf000", size: "0x1000" },
    { name: "ota_0", type: "app", subtype: "ota_0", offset: "0x10000", size: app },
    { name: "ota_1", type: "app", subtype: "ota_1", size: app },
    { name: "agents", type: "data", subtype: MODULES_SUBTYPE, size: flashBytes >= 4 << 20 ? "0x80000" : "0x20000" },
  ];
}

export function defaultPartitions(flashBytes = 4 << 20): Partition[] {
  const parts = resolvePartitions(defaultPartitionSpecs(flashBytes));
  const end = parts[parts.length - 1]!;
  if (end.offset + end.size > flashBytes) throw new RangeError(`default layout ends at 0x${(end.offset + end.size).toString(16)}, past ${flashBytes} bytes of flash`);
  return parts;
}
