// The four MLPerf Tiny models compiled once for the scheduler's tests, and their sample inputs.
import { readFileSync } from "node:fs";
import path from "node:path";
import { compileModel, type CompiledModel } from "../../host/tinyml/index.ts";

export const ROOT = path.resolve(import.meta.dirname, "../..");
export const MODEL_NAMES = ["kws", "ic", "vww", "ad"] as const;
export type ModelName = (typeof MODEL_NAMES)[number];

const cache = new Map<string, CompiledModel>();
export function model(name: ModelName): CompiledModel {
  let m = cache.get(name);
  if (!m) cache.set(name, (m = compileModel(new Uint8Array(readFileSync(path.join(ROOT, "models", `${name}.tflite`))))));
  return m;
}

const SAMPLE: Record<ModelName, string> = { kws: "kws_sample", ic: "ic_black", vww: "vww_black", ad: "ad_sample0" };
export function sampleInput(name: ModelName): Uint8Array {
  return new Uint8Array(readFileSync(path.join(ROOT, "test/fixtures/tinyml/inputs", `${SAMPLE[name]}.bin`)));
}
