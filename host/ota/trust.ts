// Trusted publisher keys per site. Stored as JSON { sites: { <site>: ["<hex key>", ...] } };
// a device of a site installs only bundles signed by one of its site's keys.
import { isRecord } from "./cbor.ts";
import { hex, parsePublicKey } from "./keys.ts";

export class TrustStore {
  private readonly sites = new Map<string, Set<string>>();

  trust(site: string, publicKey: Uint8Array): void {
    let s = this.sites.get(site);
    if (!s) this.sites.set(site, (s = new Set()));
    s.add(hex(publicKey));
  }

  revoke(site: string, publicKey: Uint8Array): boolean {
    return this.sites.get(site)?.delete(hex(publicKey)) ?? false;
  }

  keysFor(site: string): Uint8Array[] {
    return [...(this.sites.get(site) ?? [])].map((k) => parsePublicKey(k));
  }

  siteNames(): string[] {
    return [...this.sites.keys()];
  }

  toJSON(): { sites: Record<string, string[]> } {
    const sites: Record<string, string[]> = {};
    for (const [site, keys] of this.sites) sites[site] = [...keys];
    return { sites };
  }

  static fromJSON(text: string, file: string): TrustStore {
    const store = new TrustStore();
    let v: unknown;
    try {
      v = JSON.parse(text);
    } catch {
      throw new Error(`${file}: trust store is not JSON`);
    }
    if (!isRecord(v) || !isRecord(v.sites)) throw new Error(`${file}: trust store needs a "sites" object`);
    for (const [site, keys] of Object.entries(v.sites)) {
      if (!Array.isArray(keys)) throw new Error(`${file}: sites.${site} must be a list of hex keys`);
      keys.forEach((k, i) => store.trust(site, parsePublicKey(String(k), `${file}: sites.${site}[${i}]`)));
    }
    return store;
  }
}

/**
 * A trusted key given as a file's text: a publisher key file (its public half is used),
 * a file holding the 64 hex digits of a public key, or a trust store (all its sites' keys).
 */
export function parseTrustedKeys(text: string, file: string): Uint8Array[] {
  const t = text.trim();
  if (/^[0-9a-fA-F]{64}$/.test(t)) return [parsePublicKey(t, file)];
  let v: unknown;
  try {
    v = JSON.parse(t);
  } catch {
    throw new Error(`${file}: neither a key file, a trust store nor 64 hex digits`);
  }
  if (isRecord(v) && typeof v.publicKey === "string") return [parsePublicKey(v.publicKey, `${file}: publicKey`)];
  if (isRecord(v) && isRecord(v.sites)) {
    const store = TrustStore.fromJSON(t, file);
    return store.siteNames().flatMap((s) => store.keysFor(s));
  }
  throw new Error(`${file}: neither a key file, a trust store nor 64 hex digits`);
}
