// ESP32 images and flashing: partition table, otadata, agent-modules image, app checks.
export {
  APP_SUBTYPES,
  DATA_SUBTYPES,
  PARTITION_TABLE_OFFSET,
  PARTITION_TABLE_SIZE,
  PartitionError,
  TYPES,
  buildPartitionTable,
  parsePartitionCsv,
  parsePartitionTable,
  parseSize,
  resolvePartitions,
  type Partition,
  type PartitionSpec,
} from "./partition-table.ts";
export { OTADATA_SIZE, OTA_STATES, activeOtaSlot, blankOtadata, buildOtadata, otaSeqCrc, readOtadata, type OtaSelectEntry } from "./otadata.ts";
export { APP_DESC_MAGIC, CHIP_IDS, IMAGE_MAGIC, ImageError, appDescriptor, buildAppImage, checkAppImage, type AppImageInfo, type BuildAppImage, type Segment } from "./app-image.ts";
export { MODULES_MAGIC, MODULES_SUBTYPE, ModulesImageError, buildModulesImage, readModulesImage, type ModuleEntry } from "./modules-image.ts";
export { BOOTLOADER_OFFSET, defaultPartitionSpecs, defaultPartitions } from "./layout.ts";
export { planFlash, type FlashImage, type FlashPlanInput } from "./plan.ts";
export { NodeSerialPort, type SerialSignals } from "./web-serial.ts";
export { flashEsp32, type FlashOptions, type FlashProgress, type FlashResult } from "./flash.ts";
export { chipFromSoc, readFlashTarget, type FlashTarget } from "./board.ts";
