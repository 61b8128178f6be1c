// `colony bundle x.wasm --manifest m.json --key k --out x.cab`: sign an agent module.
import { readFileSync, writeFileSync } from "node:fs";
import type { Command } from "commander";
import { CliError } from "../errors.ts";
import { buildBundle, hex, keyId, parseKeyFile, readBundle } from "../../ota/index.ts";

export function register(program: Command): void {
  program
    .command("bundle <wasm>")
    .description("write a signed agent bundle (.cab) from a module and its manifest")
    .requiredOption("--manifest <file>", "agent manifest (JSON)")
    .requiredOption("--key <file>", "publisher key file (colony keys new)")
    .requiredOption("--out <file>", "bundle to write")
    .action((wasmFile: string, o: { manifest: string; key: string; out: string }) => {
      let manifest: unknown;
      try {
        manifest = JSON.parse(readFileSync(o.manifest, "utf8"));
      } catch (e) {
        throw new CliError(`${o.manifest}: ${(e as Error).message}`);
      }
      const key = parseKeyFile(readFileSync(o.key, "utf8"), o.key);
      let bytes: Uint8Array;
      try {
        bytes = buildBundle(manifest, new Uint8Array(readFileSync(wasmFile)), key);
      } catch (e) {
        throw new CliError(`${o.manifest} / ${wasmFile}: ${(e as Error).message}`);
      }
      writeFileSync(o.out, bytes);
      const b = readBundle(bytes);
      process.stdout.write(
        `${o.out}: ${b.manifest.name}@${b.manifest.version} abi ${b.manifest.abi}, ${bytes.length} bytes, ` +
          `module sha256 ${hex(b.wasmSha256)}, signed by ${keyId(key.publicKey)}\n`,
      );
    });
}
