// colony inspect: what a module imports (and which capability each needs), exports, and how big it is.
import { existsSync, readFileSync } from "node:fs";
import type { Command } from "commander";
import { ABI_BY_NAME, FUEL_GLOBAL, ManifestError, parseManifest } from "../../kernel/index.ts";
import { isMetered, parseModule, WasmFormatError } from "../../wasm/index.ts";
import { CliError } from "../errors.ts";
import { printJson, readFileOrFail, reportErrors } from "../output.ts";

export interface ModuleReport {
  file: string;
  bytes: number;
  codeBytes: number;
  dataBytes: number;
  metered: boolean;
  memory: { initialPages: number; maxPages?: number };
  imports: { module: string; name: string; capability?: string; signature: string }[];
  exports: { name: string; kind: string }[];
  capabilitiesNeeded: string[];
  manifest?: unknown;
}

export function inspectModule(file: string, bytes: Uint8Array): ModuleReport {
  const info = parseModule(bytes);
  const imports = info.imports.map((i) => {
    const abi = i.module === "colony" ? ABI_BY_NAME.get(i.name) : undefined;
    return {
      module: i.module,
      name: i.name,
      ...(abi ? { capability: abi.capability } : {}),
      signature: i.type ? `(${i.type.params.join(", ")}) -> (${i.type.results.join(", ")})` : i.kind,
    };
  });
  const report: ModuleReport = {
    file,
    bytes: bytes.length,
    codeBytes: info.codeBytes,
    dataBytes: info.dataBytes,
    metered: isMetered(info),
    memory: { initialPages: info.memory?.min ?? 0, ...(info.memory?.max !== undefined ? { maxPages: info.memory.max } : {}) },
    imports,
    exports: info.exports.map((e) => ({ name: e.name, kind: e.kind })),
    capabilitiesNeeded: [...new Set(imports.flatMap((i) => (i.capability ? [i.capability] : [])))].sort(),
  };
  const manifestFile = file.replace(/\.wasm$/, ".json");
  if (manifestFile !== file && existsSync(manifestFile)) report.manifest = parseManifest(readFileSync(manifestFile, "utf8"), manifestFile);
  return report;
}

function printReport(r: ModuleReport): void {
  const out = (s: string) => process.stdout.write(s + "\n");
  out(`${r.file}: ${r.bytes} B (code ${r.codeBytes} B, data ${r.dataBytes} B), ${r.metered ? `metered (exports ${FUEL_GLOBAL})` : "NOT metered"}`);
  out(`memory: ${r.memory.initialPages} page(s) at start${r.memory.maxPages !== undefined ? `, at most ${r.memory.maxPages}` : ", no maximum (the loader caps it at the manifest's budget)"}`);
  out(`capabilities needed: ${r.capabilitiesNeeded.join(", ") || "none"}`);
  out("imports:");
  for (const i of r.imports) out(`  ${i.module}.${i.name} ${i.signature}${i.capability ? `  [${i.capability}]` : "  [not in the ABI]"}`);
  out("exports:");
  for (const e of r.exports) out(`  ${e.name} (${e.kind})`);
  if (r.manifest) out(`manifest: ${JSON.stringify(r.manifest)}`);
}

export function register(program: Command): void {
  program
    .command("inspect")
    .description("show a module's imports (with the capability each needs), exports, memory and sizes; or verify a bundle")
    .argument("<file>", "an agent .wasm or a signed bundle (.cab)")
    .option("--json", "print as JSON")
    .option("--trust <keys...>", "trusted publisher key files (bundles)")
    .action(async (file: string, o: { json?: boolean; trust?: string[] }) => {
      const bytes = readFileOrFail(file, "module");
      const isWasm = bytes[0] === 0 && bytes[1] === 0x61 && bytes[2] === 0x73 && bytes[3] === 0x6d;
      if (!isWasm) {
        if (file.endsWith(".wasm")) throw new CliError(`${file}: not a wasm module: bad magic (expected \\0asm)`);
        const { inspectBundleFile } = await import("./inspect-bundle.ts");
        return inspectBundleFile(file, bytes, o);
      }
      const r = await reportErrors(() => inspectModule(file, bytes), [WasmFormatError, ManifestError]);
      if (o.json) printJson(r);
      else printReport(r);
    });
}
