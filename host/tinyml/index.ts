// The TinyML face: compile a .tflite, encode/decode the compiled model, run it (ModelService), build the core.
export { compileModel } from "./compile.ts";
export { encodeCompiledModel, decodeCompiledModel } from "./format.ts";
export { ModelService, type InvokeResult, type ModelServiceOptions, type ComputeUnitName } from "./service.ts";
export { ABI_RESULT, ModelError, type ModelErrorCode } from "./errors.ts";
export { checkFitsBoard, ramNeeded } from "./fit.ts";
export { buildInferenceCore } from "./build.ts";
export { CoreInstance } from "./core.ts";
export { readTflite, type TfliteModel } from "./tflite.ts";
export { DEFAULT_CPU_CYCLES_PER_MAC, npuSupports, type NpuUnit, type CpuUnit, type UnitCost } from "./npu/npu.ts";
export type { CompiledModel, CompiledOp, CompiledTensor, ModelSummary, TensorType } from "./model.ts";
