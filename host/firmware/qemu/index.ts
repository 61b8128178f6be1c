export { runQemu, qemuCommand } from "./run.ts";
export type { QemuOptions, QemuResult } from "./run.ts";
export { parseFirmwareOutput } from "./output.ts";
export type { FirmwareOutput, FirmwareMetrics } from "./output.ts";
