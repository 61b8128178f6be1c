// The inference core build: one freestanding module (no imports, so wasm2c takes it as is), skipped when up to date.
import { mkdtempSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { buildInferenceCore } from "../../host/tinyml/index.ts";

describe("buildInferenceCore", () => {
  it("writes core.wasm into outDir with no imports, and skips an up-to-date build", async () => {
    const outDir = mkdtempSync(join(tmpdir(), "colony-core-"));
    const path = await buildInferenceCore({ outDir });
    expect(path).toBe(join(outDir, "core.wasm"));
    const module = new WebAssembly.Module(readFileSync(path));
    expect(WebAssembly.Module.imports(module)).toEqual([]);
    expect(WebAssembly.Module.exports(module).map((e) => e.name)).toEqual(
      expect.arrayContaining(["memory", "model_buffer", "load_model", "invoke", "invoke_op", "input_ptr", "output_ptr"]),
    );
    const built = statSync(path).mtimeMs;
    expect(await buildInferenceCore({ outDir })).toBe(path);
    expect(statSync(path).mtimeMs).toBe(built);
  });
});
