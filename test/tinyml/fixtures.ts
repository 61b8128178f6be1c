// The reference data the tests check against (copied from the MLPerf Tiny / TFLM reference set).
import { readFileSync, readdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
export const FIXTURES = join(ROOT, "test/fixtures/tinyml");
export const MODEL_NAMES = ["kws", "vww", "ic", "ad"] as const;
export type ModelName = (typeof MODEL_NAMES)[number];

export function modelFile(name: ModelName): Uint8Array {
  return new Uint8Array(readFileSync(join(ROOT, "models", `${name}.tflite`)));
}

/** Input names (e.g. "kws_sample") for a model. */
export function inputsOf(name: ModelName): string[] {
  return readdirSync(join(FIXTURES, "inputs"))
    .filter((f) => f.startsWith(`${name}_`) && f.endsWith(".bin"))
    .map((f) => f.slice(0, -4))
    .sort();
}

export function input(id: string): Uint8Array {
  return new Uint8Array(readFileSync(join(FIXTURES, "inputs", `${id}.bin`)));
}
export function golden(id: string): Uint8Array {
  return new Uint8Array(readFileSync(join(FIXTURES, "golden", `${id}.tflm.out.bin`)));
}
/** Per-operator outputs, or null when the reference set has none for this input. */
export function layer(id: string, op: number): Uint8Array | null {
  try {
    return new Uint8Array(readFileSync(join(FIXTURES, "layers", `${id}.op${op}.out.bin`)));
  } catch {
    return null;
  }
}
/** The input of each model that has per-operator reference outputs. */
export const LAYER_INPUT: Record<ModelName, string> = { kws: "kws_sample", vww: "vww_black", ic: "ic_black", ad: "ad_sample0" };
