// wasm3 for the interpreted engine: its sources come from WASM3_DIR (a
// checkout of wasm3/wasm3), never from this repository.
import { existsSync, readdirSync } from "node:fs";
import path from "node:path";
import { FirmwareBuildError } from "./targets.ts";

export function wasm3Dir(): string | undefined {
  const d = process.env.WASM3_DIR;
  return d && existsSync(path.join(d, "source", "wasm3.h")) ? d : undefined;
}

export function wasm3Sources(): { sources: string[]; include: string; defines: string[] } {
  const dir = process.env.WASM3_DIR;
  if (!dir) throw new FirmwareBuildError("the wasm3 engine needs wasm3's sources: set WASM3_DIR to a checkout of wasm3/wasm3 (they are not in this repository)");
  const src = path.join(dir, "source");
  if (!existsSync(path.join(src, "wasm3.h"))) throw new FirmwareBuildError(`WASM3_DIR=${dir} has no source/wasm3.h: it must point at a checkout of wasm3/wasm3`);
  return {
    // the interpreter's core only: no WASI, tracer or libc bindings
    sources: readdirSync(src).filter((f) => f.endsWith(".c") && !f.startsWith("m3_api_")).sort().map((f) => path.join(src, f)),
    include: src,
    defines: [
      "-Dd_m3HasWASI=0", "-Dd_m3HasTracer=0", "-Dd_m3LogOutput=0", "-Wno-unused-parameter", "-Wno-sign-compare",
      // wasm3 allocates through calloc/realloc/free (m3_core.c only): they go to the engine's
      // static pool (firmware/engines/wasm3/heap.c), so no C heap is linked and a restart reuses it
      "-DCOLONY_WASM3_POOL=1", "-Dcalloc=colony_w3_calloc", "-Drealloc=colony_w3_realloc", "-Dfree=colony_w3_free",
    ],
  };
}
