// `colony keys`: publisher keys and the per-site trust store.
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import type { Command } from "commander";
import { CliError } from "../errors.ts";
import { TrustStore, hex, keyFileText, newPublisherKey, parseKeyFile, parsePublicKey } from "../../ota/index.ts";

export const DEFAULT_TRUST_STORE = ".colony/trust.json";

export function loadTrustStore(file: string): TrustStore {
  return existsSync(file) ? TrustStore.fromJSON(readFileSync(file, "utf8"), file) : new TrustStore();
}

/** A public key given as 64 hex digits or as a key file. */
export function publicKeyArg(arg: string): Uint8Array {
  if (/^[0-9a-fA-F]{64}$/.test(arg)) return parsePublicKey(arg);
  if (!existsSync(arg)) throw new CliError(`${arg}: neither a key file nor 64 hex digits`);
  return parseKeyFile(readFileSync(arg, "utf8"), arg).publicKey;
}

export function register(program: Command): void {
  const keys = program.command("keys").description("publisher keys for signing bundles, and the keys each site trusts");
  keys
    .command("new")
    .description("create a publisher key file (keep it secret) and print its public key")
    .requiredOption("--out <file>", "key file to write")
    .option("--force", "overwrite an existing file")
    .action((o: { out: string; force?: boolean }) => {
      if (existsSync(o.out) && !o.force) throw new CliError(`${o.out} exists; pass --force to overwrite it`);
      const { key, seed } = newPublisherKey();
      mkdirSync(dirname(o.out), { recursive: true });
      writeFileSync(o.out, keyFileText(seed), { mode: 0o600 });
      chmodSync(o.out, 0o600);
      process.stdout.write(`key ${key.id} written to ${o.out}\npublic key ${hex(key.publicKey)}\n`);
    });
  keys
    .command("show <file>")
    .description("print a key file's public key")
    .action((file: string) => {
      const key = parseKeyFile(readFileSync(file, "utf8"), file);
      process.stdout.write(`${hex(key.publicKey)}\n`);
    });
  keys
    .command("trust <key>")
    .description("trust a publisher key (key file or hex public key) for a site")
    .requiredOption("--site <site>", "site name")
    .option("--store <file>", "trust store", DEFAULT_TRUST_STORE)
    .action((arg: string, o: { site: string; store: string }) => {
      const store = loadTrustStore(o.store);
      store.trust(o.site, publicKeyArg(arg));
      mkdirSync(dirname(o.store), { recursive: true });
      writeFileSync(o.store, JSON.stringify(store.toJSON(), null, 2) + "\n");
      process.stdout.write(`site ${o.site} trusts ${store.keysFor(o.site).length} key(s)\n`);
    });
  keys
    .command("list")
    .description("list trusted keys per site")
    .option("--store <file>", "trust store", DEFAULT_TRUST_STORE)
    .action((o: { store: string }) => {
      const store = loadTrustStore(o.store);
      for (const site of store.siteNames()) for (const k of store.keysFor(site)) process.stdout.write(`${site} ${hex(k)}\n`);
    });
}
