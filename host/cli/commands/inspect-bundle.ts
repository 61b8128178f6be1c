// `colony inspect` on a signed bundle: its manifest, module hash and publisher, and whether it verifies.
import { existsSync, readFileSync } from "node:fs";
import { inspectBundle, OtaError, parseTrustedKeys, TrustStore } from "../../ota/index.ts";
import { DEFAULT_TRUST_STORE } from "./keys.ts";
import { CliError } from "../errors.ts";
import { printJson } from "../output.ts";

/** Keys from --trust files, or every key of every site in the project's trust store. */
function trustedKeys(files: string[] | undefined): Uint8Array[] {
  if (files && files.length > 0)
    return files.flatMap((f) => {
      if (!existsSync(f)) throw new CliError(`${f}: no such key file`);
      try {
        return parseTrustedKeys(readFileSync(f, "utf8"), f);
      } catch (e) {
        if (e instanceof OtaError) throw new CliError(e.message);
        throw e;
      }
    });
  if (!existsSync(DEFAULT_TRUST_STORE)) return [];
  const store = TrustStore.fromJSON(readFileSync(DEFAULT_TRUST_STORE, "utf8"), DEFAULT_TRUST_STORE);
  return store.siteNames().flatMap((s) => store.keysFor(s));
}

export function inspectBundleFile(file: string, bytes: Uint8Array, o: { json?: boolean; trust?: string[] }): void {
  const r = inspectBundle(bytes, trustedKeys(o.trust));
  // An untrusted publisher is the usual first failure: say how to trust one.
  const hint = r.reason === "untrusted-key" && r.publisherKey ? `trust it with: colony keys trust ${r.publisherKey} --site <site>` : undefined;
  if (o.json) printJson({ file, ...r, ...(hint ? { hint } : {}) });
  else {
    const out = (s: string) => process.stdout.write(s + "\n");
    out(`${file}: bundle, ${bytes.length} B`);
    if (r.manifest) out(`manifest: ${JSON.stringify(r.manifest)}`);
    if (r.wasmBytes !== undefined) out(`module: ${r.wasmBytes} B, sha256 ${r.wasmSha256}`);
    if (r.publisherKeyId) out(`publisher key: ${r.publisherKeyId} (${r.publisherKey})`);
    out(r.ok ? "signature: valid, key trusted" : `REFUSED: ${r.message}`);
  }
  if (!r.ok) throw new CliError(`${file}: refused: ${r.message}${hint ? `; ${hint}` : ""}`, 2);
}
