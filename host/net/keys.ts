// Ed25519 device keys through node:crypto. A device id names a key; the KeyRing holds the
// public keys a host trusts (filled from provisioning or the economy layer's identities).
import { createHash, generateKeyPairSync, sign, verify, type KeyObject } from "node:crypto";
import { privateKeyFromSeed, publicKeyObject, rawPublicKey } from "./ed25519.ts";

export { publicKeyObject } from "./ed25519.ts";

export interface DeviceKey {
  readonly id: string;
  readonly privateKey: KeyObject;
  /** Raw 32-byte Ed25519 public key. */
  readonly publicKey: Uint8Array;
}

export function generateDeviceKey(id: string): DeviceKey {
  const { privateKey, publicKey } = generateKeyPairSync("ed25519");
  return { id, privateKey, publicKey: rawPublicKey(publicKey) };
}

/** A key from a 32-byte seed: deterministic identities for simulations and tests. */
export function deviceKeyFromSeed(id: string, seed: Uint8Array): DeviceKey {
  if (seed.length !== 32) throw new RangeError(`device key seed for ${id} must be 32 bytes, got ${seed.length}`);
  const privateKey = privateKeyFromSeed(seed);
  return { id, privateKey, publicKey: rawPublicKey(privateKey) };
}

/** A simulated device's key seed: sha256("colony-sim/<run seed>/<id>"). Runs with one seed are
 *  reproducible and verify each other across processes and firmware builds; a real fleet
 *  provisions keys instead. */
export function simDeviceSeed(runSeed: number, id: string): Uint8Array {
  return new Uint8Array(createHash("sha256").update(`colony-sim/${runSeed}/${id}`).digest());
}

export function signBytes(key: DeviceKey, bytes: Uint8Array): Uint8Array {
  return new Uint8Array(sign(null, bytes, key.privateKey));
}


/** The public keys this host trusts, by device id. */
export class KeyRing {
  private keys = new Map<string, KeyObject>();
  /** `resolve` finds a key the ring has not been given (e.g. derived from a shared fleet secret). */
  constructor(private readonly resolve?: (id: string) => Uint8Array | undefined) {}
  add(id: string, publicKey: Uint8Array): void {
    this.keys.set(id, publicKeyObject(publicKey));
  }
  private lookup(id: string): KeyObject | undefined {
    const k = this.keys.get(id);
    if (k || !this.resolve) return k;
    const raw = this.resolve(id);
    if (raw) this.add(id, raw);
    return this.keys.get(id);
  }
  has(id: string): boolean {
    return this.lookup(id) !== undefined;
  }
  verify(id: string, bytes: Uint8Array, sig: Uint8Array): boolean {
    const k = this.lookup(id);
    if (!k || sig.length !== 64) return false;
    return verify(null, bytes, k, sig);
  }
}
