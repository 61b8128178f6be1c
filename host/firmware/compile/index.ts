export { buildFirmware, parseSize, DEFAULT_EVENTS } from "./build.ts";
export type { FirmwareBuildOptions, FirmwareBuildResult, AgentInput } from "./build.ts";
export { TARGETS, targetFor, FirmwareBuildError } from "./targets.ts";
export type { FirmwareTarget } from "./targets.ts";
export type { FirmwareEngine } from "./config.ts";
export { hasTool } from "./exec.ts";
export { wasm3Dir } from "./wasm3.ts";
export { firmwareSizes, sizesFromMap } from "./sizes.ts";
export type { PartSize } from "./sizes.ts";
