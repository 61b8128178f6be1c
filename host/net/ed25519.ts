// Raw Ed25519 keys (32-byte seeds and public keys) to and from node:crypto key objects.
// Device keys (host/net) and publisher keys (host/ota) are both built on these.
import { createPrivateKey, createPublicKey, type KeyObject } from "node:crypto";

// DER prefixes of Ed25519 keys (RFC 8410): the raw 32 bytes follow them.
const SPKI_PREFIX = Buffer.from("302a300506032b6570032100", "hex");
const PKCS8_PREFIX = Buffer.from("302e020100300506032b657004220420", "hex");

export function privateKeyFromSeed(seed: Uint8Array): KeyObject {
  if (seed.length !== 32) throw new RangeError(`Ed25519 seed must be 32 bytes, got ${seed.length}`);
  return createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, seed]), format: "der", type: "pkcs8" });
}

/** The raw 32-byte public key of a private or public key object. */
export function rawPublicKey(k: KeyObject): Uint8Array {
  const der = (k.type === "private" ? createPublicKey(k) : k).export({ format: "der", type: "spki" });
  return new Uint8Array(der.subarray(der.length - 32));
}

/** The 32-byte seed of a private key object. */
export function rawSeed(k: KeyObject): Uint8Array {
  const der = k.export({ format: "der", type: "pkcs8" });
  return new Uint8Array(der.subarray(der.length - 32));
}

export function publicKeyObject(raw: Uint8Array): KeyObject {
  if (raw.length !== 32) throw new RangeError(`Ed25519 public key must be 32 bytes, got ${raw.length}`);
  return createPublicKey({ key: Buffer.concat([SPKI_PREFIX, raw]), format: "der", type: "spki" });
}
