// colony build: every agent in assembly/agents/ to build/agents/<name>.wasm (metered) + manifest.
import type { Command } from "commander";
import { AgentSourceError, buildAgents, CompileError } from "../../compile/index.ts";
import { ManifestError, parseManifest } from "../../kernel/index.ts";
import { readFileSync } from "node:fs";
import { WasmFormatError } from "../../wasm/index.ts";
import { printJson, reportErrors } from "../output.ts";

export function register(program: Command): void {
  program
    .command("build")
    .description("compile every agent in assembly/agents/ to build/agents/<name>.wasm, with fuel metering, beside its checked manifest")
    .option("--agents <names>", "only these agents (comma-separated)")
    .option("--out <dir>", "output directory", "build/agents")
    .option("--force", "rebuild even when up to date")
    .option("--unmetered", "also write <name>.unmetered.wasm (for benchmarks)")
    .option("--quiet", "print nothing on success")
    .option("--json", "print the result as JSON")
    .action(async (o: { agents?: string; out: string; force?: boolean; unmetered?: boolean; quiet?: boolean; json?: boolean }) => {
      const built = await reportErrors(
        () =>
          buildAgents({
            root: process.cwd(),
            outDir: o.out,
            ...(o.agents ? { only: o.agents.split(",").map((s) => s.trim()) } : {}),
            force: o.force ?? false,
            unmetered: o.unmetered ?? false,
          }),
        [CompileError, AgentSourceError, WasmFormatError],
      );
      // the manifests are checked at build time, so a bad one fails here and not on a device
      await reportErrors(() => built.forEach((b) => parseManifest(readFileSync(b.manifestPath, "utf8"), b.manifestPath)), [ManifestError]);
      if (o.json) return printJson(built);
      if (o.quiet) return;
      for (const b of built)
        process.stdout.write(`${b.upToDate ? "up to date" : "built     "}  ${b.wasmPath}  ${b.bytes} B${b.upToDate ? "" : `  (${b.metering.loops} loops metered, +${b.metering.bytesAfter - b.metering.bytesBefore} B)`}\n`);
    });
}
