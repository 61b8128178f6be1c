// Turns a .wasm and its manifest into a module ready to instantiate, or refuses
// it with the reason: malformed, wrong ABI, unmetered, an import the manifest
// does not grant, more memory than the manifest or the board allows.
import type { Engine, EngineModule } from "../engines/index.ts";
import { capMemory, exportedFunctionType, isMetered, parseModule, WasmFormatError, type WasmModuleInfo } from "../wasm/index.ts";
import { FUEL_GLOBAL, REQUIRED_EXPORTS, type CapabilityGroup } from "./abi.ts";
import type { BoardProfile } from "./boards.ts";
import { LoadError } from "./errors.ts";
import { checkImports } from "./linker.ts";
import type { Manifest } from "./manifest.ts";

export const PAGE_BYTES = 65536;

export interface LoadedModule {
  manifest: Manifest;
  info: WasmModuleInfo;
  module: EngineModule;
  groups: Set<CapabilityGroup>;
  /** bytes of the module as built (metered), the size every command prints */
  wasmBytes: number;
  /** fuel per event after the board's cap */
  fuelPerEvent: number;
}

const EXPORT_TYPES: Record<string, { params: string[]; results: string[] }> = {
  colony_abi: { params: [], results: ["i32"] },
  colony_inbox: { params: ["i32"], results: ["i32"] },
  init: { params: [], results: ["i32"] },
  on_event: { params: ["i32", "i32", "i32"], results: ["i32"] },
  snapshot: { params: [], results: ["i32"] },
  restore: { params: ["i32", "i32"], results: ["i32"] },
};

function checkExports(info: WasmModuleInfo, name: string): void {
  for (const e of REQUIRED_EXPORTS) {
    if (e === "memory") {
      if (!info.exports.some((x) => x.name === "memory" && x.kind === "memory")) throw new LoadError(name, `missing export "memory"`);
      continue;
    }
    if (!exportedFunctionType(info, e)) throw new LoadError(name, `missing export "${e}" (every agent exports ${REQUIRED_EXPORTS.join(", ")}; build it with \`colony build\`)`);
  }
  for (const [e, want] of Object.entries(EXPORT_TYPES)) {
    const t = exportedFunctionType(info, e);
    if (t && (t.params.join() !== want.params.join() || t.results.join() !== want.results.join()))
      throw new LoadError(name, `export "${e}" has type (${t.params.join(", ")}) -> (${t.results.join(", ")}), expected (${want.params.join(", ")}) -> (${want.results.join(", ")})`);
  }
  if (!isMetered(info)) throw new LoadError(name, `module is not metered (no "${FUEL_GLOBAL}" export): build it with \`colony build\``);
}

// A fleet installs the same bytes on many devices: parse, check and compile once per (bytes, engine, pages).
const compiled = new WeakMap<Uint8Array, Map<string, { info: WasmModuleInfo; module: EngineModule; bytes: number }>>();

export function loadModule(wasm: Uint8Array, manifest: Manifest, board: BoardProfile, engine: Engine): LoadedModule {
  const name = manifest.name;
  const key = `${engine.name}/${manifest.resources.memoryPages}`;
  const hit = compiled.get(wasm)?.get(key);
  let info: WasmModuleInfo;
  try {
    info = hit?.info ?? parseModule(wasm);
  } catch (e) {
    if (e instanceof WasmFormatError) throw new LoadError(name, `malformed module: ${e.message}`);
    throw e;
  }
  checkExports(info, name);
  const groups = checkImports(info, manifest);
  const pages = manifest.resources.memoryPages;
  const initial = info.memory?.min ?? 0;
  if (initial > pages)
    throw new LoadError(name, `module starts with ${initial} memory pages (${initial * PAGE_BYTES} bytes) but the manifest allows ${pages} (${pages * PAGE_BYTES} bytes)`);
  if (pages * PAGE_BYTES > board.agentMemoryBytes)
    throw new LoadError(name, `manifest asks for ${pages} memory pages (${pages * PAGE_BYTES} bytes) but board ${board.name} gives agents ${board.agentMemoryBytes} bytes in all`);
  let entry = hit;
  if (!entry) {
    const capped = capMemory(wasm, pages);
    try {
      entry = { info, module: engine.compile(capped), bytes: capped.length };
    } catch (e) {
      throw new LoadError(name, `${engine.name} refused the module: ${(e as Error).message}`);
    }
    if (!compiled.has(wasm)) compiled.set(wasm, new Map());
    compiled.get(wasm)!.set(key, entry);
  }
  return {
    manifest,
    info,
    module: entry.module,
    groups,
    // the module's size as built and shipped (what `colony build` and `inspect` print), not
    // the in-memory copy with its memory maximum written in
    wasmBytes: wasm.length,
    fuelPerEvent: Math.min(manifest.resources.fuelPerEvent, board.fuelPerEventMax),
  };
}
