export { parseModule, exportedFunctionType, SectionId } from "./module.ts";
export type { WasmModuleInfo, WasmImport, WasmExport, FuncType, Limits, ValType } from "./module.ts";
export { WasmFormatError } from "./reader.ts";
export { injectMetering, isMetered } from "./metering.ts";
export type { MeteringReport } from "./metering.ts";
export { capMemory } from "./limits.ts";
