// Publisher keys: Ed25519 through node:crypto. A key file is JSON holding the 32-byte seed;
// the public key (hex) is what a site adds to its trusted keys.
import { createHash, generateKeyPairSync, sign, verify, type KeyObject } from "node:crypto";
import { privateKeyFromSeed, publicKeyObject, rawPublicKey, rawSeed } from "../net/ed25519.ts";
import { isRecord } from "./cbor.ts";

export interface PublisherKey {
  /** Short id: first 8 bytes of SHA-256 of the public key, hex. */
  readonly id: string;
  readonly publicKey: Uint8Array;
  readonly privateKey: KeyObject;
}

const KEY_FILE_TYPE = "colony-publisher-key";

export function keyId(publicKey: Uint8Array): string {
  return createHash("sha256").update(publicKey).digest("hex").slice(0, 16);
}

export function publisherKeyFromSeed(seed: Uint8Array): PublisherKey {
  const privateKey = privateKeyFromSeed(seed);
  const publicKey = rawPublicKey(privateKey);
  return { id: keyId(publicKey), publicKey, privateKey };
}

export function newPublisherKey(): { key: PublisherKey; seed: Uint8Array } {
  const seed = rawSeed(generateKeyPairSync("ed25519").privateKey);
  return { key: publisherKeyFromSeed(seed), seed };
}

export function keyFileText(seed: Uint8Array): string {
  const key = publisherKeyFromSeed(seed);
  const body = { type: KEY_FILE_TYPE, alg: "ed25519", id: key.id, publicKey: hex(key.publicKey), seed: hex(seed) };
  return JSON.stringify(body, null, 2) + "\n";
}

/** Parses a key file; `file` only names it in errors. */
export function parseKeyFile(text: string, file: string): PublisherKey {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw new Error(`${file}: not a Colony key file (not JSON)`);
  }
  if (!isRecord(v) || v.type !== KEY_FILE_TYPE) throw new Error(`${file}: not a Colony key file (type must be "${KEY_FILE_TYPE}")`);
  if (typeof v.seed !== "string" || !/^[0-9a-f]{64}$/.test(v.seed)) throw new Error(`${file}: field "seed" must be 64 hex digits`);
  const key = publisherKeyFromSeed(unhex(v.seed));
  if (typeof v.publicKey === "string" && v.publicKey !== hex(key.publicKey))
    throw new Error(`${file}: field "publicKey" does not match the seed`);
  return key;
}

/** Parses a printed public key (64 hex digits). */
export function parsePublicKey(text: string, where = "public key"): Uint8Array {
  const t = text.trim().toLowerCase();
  if (!/^[0-9a-f]{64}$/.test(t)) throw new Error(`${where}: expected 64 hex digits (an Ed25519 public key)`);
  return unhex(t);
}

export function signWith(key: PublisherKey, message: Uint8Array): Uint8Array {
  return new Uint8Array(sign(null, message, key.privateKey));
}

// Parsed public keys, by hex: a fleet verifies the same few publisher keys over and over.
const keyObjects = new Map<string, KeyObject>();

export function verifyWith(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  if (publicKey.length !== 32 || signature.length !== 64) return false;
  const h = hex(publicKey);
  let k = keyObjects.get(h);
  if (!k) {
    k = publicKeyObject(publicKey);
    if (keyObjects.size > 256) keyObjects.clear();
    keyObjects.set(h, k);
  }
  return verify(null, message, k, signature);
}

export function hex(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("hex");
}

export function unhex(s: string): Uint8Array {
  return new Uint8Array(Buffer.from(s, "hex"));
}
