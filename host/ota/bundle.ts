// The signed module bundle (docs/bundle.md): CBOR { manifest, wasm, signature }.
// `manifest` is a byte string holding the manifest's CBOR, so the signed bytes are exactly
// the stored bytes and no verifier has to re-encode anything.
import { createHash } from "node:crypto";
import { decode, encode, isBytes, isRecord } from "./cbor.ts";
import { OtaError } from "./errors.ts";
import { hex, keyId, signWith, verifyWith, type PublisherKey } from "./keys.ts";
import { checkManifest, type BundleManifest } from "./manifest.ts";
import { compareSemVer } from "./semver.ts";

/** Domain-separation prefix of the signed message; changes with the bundle format. */
export const SIGNING_DOMAIN = "colony-bundle/1";

export interface Bundle {
  readonly manifest: BundleManifest;
  /** The manifest's CBOR exactly as signed. */
  readonly manifestBytes: Uint8Array;
  readonly wasm: Uint8Array;
  readonly wasmSha256: Uint8Array;
  readonly publicKey: Uint8Array;
  readonly signature: Uint8Array;
}

export interface VerifyPolicy {
  readonly trustedKeys: readonly Uint8Array[];
  /** ABI versions the device runs; a bundle for another is refused. */
  readonly abi?: readonly number[];
  /** The anti-rollback counter: the bundle must be strictly newer than this version. */
  readonly notOlderThan?: string | null;
}

export function sha256(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(createHash("sha256").update(bytes).digest());
}

/** The bytes the publisher signs: domain, 0, u32be manifest length, manifest CBOR, SHA-256(wasm). */
export function signedMessage(manifestBytes: Uint8Array, wasmSha256: Uint8Array): Uint8Array {
  const domain = new TextEncoder().encode(SIGNING_DOMAIN);
  const out = new Uint8Array(domain.length + 1 + 4 + manifestBytes.length + 32);
  out.set(domain, 0);
  const at = domain.length + 1;
  new DataView(out.buffer).setUint32(at, manifestBytes.length);
  out.set(manifestBytes, at + 4);
  out.set(wasmSha256, at + 4 + manifestBytes.length);
  return out;
}

export function buildBundle(manifest: unknown, wasm: Uint8Array, key: PublisherKey): Uint8Array {
  const m = checkManifest(manifest);
  if (!isWasm(wasm)) throw new OtaError("malformed", "module does not start with the WebAssembly magic \\0asm");
  const manifestBytes = encode(m);
  const sig = signWith(key, signedMessage(manifestBytes, sha256(wasm)));
  return encode({ manifest: manifestBytes, wasm, signature: { alg: "ed25519", key: key.publicKey, sig } });
}

/** Decodes a bundle's structure; checks nothing about trust. */
export function readBundle(bytes: Uint8Array): Bundle {
  let v: unknown;
  try {
    v = decode(bytes);
  } catch (e) {
    if ((e as { incomplete?: boolean }).incomplete) throw new OtaError("truncated", `bundle ends early (${bytes.length} bytes)`);
    throw new OtaError("malformed", `bundle is not CBOR: ${(e as Error).message}`);
  }
  if (!isRecord(v)) throw new OtaError("malformed", "bundle is not a CBOR map");
  const { manifest, wasm, signature } = v;
  if (!isBytes(manifest)) throw new OtaError("malformed", 'field "manifest" must be a byte string');
  if (!isBytes(wasm)) throw new OtaError("malformed", 'field "wasm" must be a byte string');
  if (!isRecord(signature)) throw new OtaError("malformed", 'field "signature" must be a map');
  if (signature.alg !== "ed25519") throw new OtaError("malformed", `signature.alg must be "ed25519", got ${JSON.stringify(signature.alg)}`);
  if (!isBytes(signature.key) || signature.key.length !== 32) throw new OtaError("malformed", "signature.key must be 32 bytes");
  if (!isBytes(signature.sig) || signature.sig.length !== 64) throw new OtaError("malformed", "signature.sig must be 64 bytes");
  let m: unknown;
  try {
    m = decode(manifest);
  } catch (e) {
    throw new OtaError("tampered", `manifest bytes are not CBOR: ${(e as Error).message}`);
  }
  return {
    manifest: checkManifest(m),
    manifestBytes: manifest,
    wasm,
    wasmSha256: sha256(wasm),
    publicKey: signature.key,
    signature: signature.sig,
  };
}

/** Everything a device checks before it writes a byte: signature, trust, ABI, anti-rollback. */
export function verifyBundle(bytes: Uint8Array, policy: VerifyPolicy): Bundle {
  const b = readBundle(bytes);
  const who = `${b.manifest.name}@${b.manifest.version}`;
  if (!verifyWith(b.publicKey, signedMessage(b.manifestBytes, b.wasmSha256), b.signature))
    throw new OtaError("tampered", `${who}: signature does not match the manifest and module (key ${keyId(b.publicKey)})`);
  if (!policy.trustedKeys.some((k) => equalBytes(k, b.publicKey)))
    throw new OtaError("untrusted-key", `${who}: signed by key ${keyId(b.publicKey)} (${hex(b.publicKey)}), which this site does not trust`);
  if (policy.abi && !policy.abi.includes(b.manifest.abi))
    throw new OtaError("wrong-abi", `${who}: needs ABI ${b.manifest.abi}, device runs ABI ${policy.abi.join(", ")}`);
  if (policy.notOlderThan && compareSemVer(b.manifest.version, policy.notOlderThan) <= 0)
    throw new OtaError("older-version", `${who}: not newer than ${policy.notOlderThan}, the device's anti-rollback version`);
  return b;
}

export function isWasm(bytes: Uint8Array): boolean {
  return bytes.length >= 8 && bytes[0] === 0 && bytes[1] === 0x61 && bytes[2] === 0x73 && bytes[3] === 0x6d;
}

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
