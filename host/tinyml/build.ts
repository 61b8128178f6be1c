// Builds the inference core (assembly/tinyml/core.ts) into one freestanding wasm module with asc.
import asc from "assemblyscript/asc";
import { mkdirSync, readdirSync, renameSync, rmSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const SOURCE_DIR = join(ROOT, "assembly/tinyml");
const ENTRY = join(SOURCE_DIR, "core.ts");
export const DEFAULT_OUT_DIR = join(ROOT, "build/tinyml");

/** -O3, no runtime, no asserts, no abort import: the module imports nothing, so wasm2c can take it as is. */
export const CORE_FLAGS = ["-O3", "--runtime", "stub", "--noAssert", "--use", "abort="] as const;

function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestSource(p) : statSync(p).mtimeMs);
  }
  return newest;
}

/** Compiles the core to `<outDir>/core.wasm` unless it is newer than every source; returns its path. */
export async function buildInferenceCore(opts: { outDir?: string } = {}): Promise<string> {
  const outDir = opts.outDir ?? DEFAULT_OUT_DIR;
  const out = join(outDir, "core.wasm");
  let built = 0;
  try {
    built = statSync(out).mtimeMs;
  } catch {
    built = 0;
  }
  if (built > newestSource(SOURCE_DIR)) return out;
  mkdirSync(outDir, { recursive: true });
  let log = "";
  const sink = { write: (chunk: string | Uint8Array): boolean => ((log += String(chunk)), true) };
  // Written aside and renamed: test workers building at the same time never read a half-written file.
  const tmp = `${out}.${process.pid}.tmp`;
  const { error } = await asc.main([ENTRY, ...CORE_FLAGS, "-o", tmp], { stdout: sink, stderr: sink });
  if (error) {
    rmSync(tmp, { force: true });
    throw new Error(`building the inference core failed: ${error.message}\n${log}`);
  }
  renameSync(tmp, out);
  return out;
}
