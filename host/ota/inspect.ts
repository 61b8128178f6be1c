// What `colony inspect x.cab` shows: never throws, says why a bundle is refused.
import { OtaError, type Refusal } from "./errors.ts";
import { hex, keyId } from "./keys.ts";
import { readBundle, verifyBundle } from "./bundle.ts";
import type { BundleManifest } from "./manifest.ts";

export interface BundleInspection {
  /** True when the signature is valid and the key is one of `trustedKeys`. */
  readonly ok: boolean;
  readonly reason?: Refusal;
  readonly message?: string;
  readonly manifest?: BundleManifest;
  readonly wasmBytes?: number;
  readonly wasmSha256?: string;
  readonly publisherKey?: string;
  readonly publisherKeyId?: string;
}

export function inspectBundle(bytes: Uint8Array, trustedKeys: readonly Uint8Array[]): BundleInspection {
  let seen: BundleInspection = { ok: false };
  try {
    const b = readBundle(bytes);
    seen = {
      ok: false,
      manifest: b.manifest,
      wasmBytes: b.wasm.length,
      wasmSha256: hex(b.wasmSha256),
      publisherKey: hex(b.publicKey),
      publisherKeyId: keyId(b.publicKey),
    };
    verifyBundle(bytes, { trustedKeys });
    return { ...seen, ok: true };
  } catch (e) {
    if (e instanceof OtaError) return { ...seen, ok: false, reason: e.reason, message: e.message };
    return { ...seen, ok: false, reason: "malformed", message: (e as Error).message };
  }
}
