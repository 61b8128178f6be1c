// The keys a linked firmware seals and opens envelopes with (firmware/runtime/envelope.h):
// its own Ed25519 seed and public key, the fleet's public keys, and how it may learn more.
// Simulation (--seed): every device's key derives from the run's seed as host/sim/network.ts
// derives it, so the firmware verifies any simulated device without a list, and the simulator
// verifies the firmware. A real fleet gives --key (this device's seed) and --trust (the others').
import { readFileSync } from "node:fs";
import { privateKeyFromSeed, rawPublicKey } from "../../net/ed25519.ts";
import { simDeviceSeed } from "../../net/keys.ts";
import { FirmwareBuildError } from "./targets.ts";

export interface FirmwareKeys {
  seed: Uint8Array;
  publicKey: Uint8Array;
  /** public keys by device id, embedded at build time */
  trusted: Map<string, Uint8Array>;
  /** "colony-sim/<seed>/": senders outside `trusted` get the simulator's derived key */
  derivePrefix?: string;
  /** the first envelope carries seqBase + 1 */
  seqBase: number;
}

export interface FirmwareKeyOptions {
  deviceId: string;
  /** the simulation's seed (host/sim: sha256("colony-sim/<seed>/<id>") is each device's key seed) */
  seed?: number;
  /** file with this device's 32-byte Ed25519 seed as 64 hex digits */
  keyFile?: string;
  /** JSON file { "<device id>": "<64 hex digits of its public key>" } */
  trustFile?: string;
  /**
   * Default: the build's time in whole seconds, so a new build starts above what an older one
   * sent (unless it sent more than one message per second of the time between).
   */
  seqBase?: number;
}

function hex32(text: string, what: string): Uint8Array {
  const h = text.trim();
  if (!/^[0-9a-fA-F]{64}$/.test(h)) throw new FirmwareBuildError(`${what}: expected 64 hex digits (32 bytes), got ${h.length} characters`);
  return new Uint8Array(Buffer.from(h, "hex"));
}

export function firmwareKeys(o: FirmwareKeyOptions): FirmwareKeys {
  if (o.keyFile === undefined && o.seed === undefined) throw new FirmwareBuildError("a linked firmware seals its messages: give --seed <n> (simulation) or --key <file>");
  let seed: Uint8Array;
  if (o.keyFile !== undefined) {
    let text: string;
    try {
      text = readFileSync(o.keyFile, "utf8");
    } catch (e) {
      throw new FirmwareBuildError(`--key ${o.keyFile}: ${(e as Error).message}`);
    }
    seed = hex32(text, `--key ${o.keyFile}`);
  } else seed = simDeviceSeed(o.seed!, o.deviceId);
  const trusted = new Map<string, Uint8Array>();
  if (o.trustFile !== undefined) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(o.trustFile, "utf8"));
    } catch (e) {
      throw new FirmwareBuildError(`--trust ${o.trustFile}: ${(e as Error).message}`);
    }
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw new FirmwareBuildError(`--trust ${o.trustFile}: expected a JSON object of device id -> public key hex`);
    for (const [id, v] of Object.entries(parsed)) {
      if (typeof v !== "string") throw new FirmwareBuildError(`--trust ${o.trustFile}: key of "${id}" must be a hex string`);
      if (id.length === 0 || id.length >= 48) throw new FirmwareBuildError(`--trust ${o.trustFile}: device id "${id}" must be 1-47 characters`);
      trusted.set(id, hex32(v, `--trust ${o.trustFile} "${id}"`));
    }
  }
  if (trusted.size > 16) throw new FirmwareBuildError(`--trust: ${trusted.size} keys; the firmware remembers at most 16 senders (COLONY_MAX_PEERS)`);
  const seqBase = o.seqBase ?? Math.floor(Date.now() / 1000);
  if (!Number.isSafeInteger(seqBase) || seqBase < 0 || seqBase >= 2 ** 32) throw new FirmwareBuildError(`seq base must be a whole number in [0, 2^32), got ${seqBase}`);
  return {
    seed,
    publicKey: rawPublicKey(privateKeyFromSeed(seed)),
    trusted,
    ...(o.seed !== undefined ? { derivePrefix: `colony-sim/${o.seed}/` } : {}),
    seqBase,
  };
}

const bytesC = (b: Uint8Array) => `{${Array.from(b, (x) => `0x${x.toString(16).padStart(2, "0")}`).join(",")}}`;

/** The C definition of `colony_envelope` for colony_config.c. */
export function envelopeSource(k: FirmwareKeys): string {
  const ids = [...k.trusted.keys()];
  return [
    '#include "envelope.h"',
    `static const uint8_t env_seed[32] = ${bytesC(k.seed)};`,
    `static const uint8_t env_pub[32] = ${bytesC(k.publicKey)};`,
    `static const char *const env_ids[] = {${ids.length ? ids.map((i) => JSON.stringify(i)).join(", ") : "0"}};`,
    `static const uint8_t env_keys[][32] = {${ids.length ? ids.map((i) => bytesC(k.trusted.get(i)!)).join(", ") : "{0}"}};`,
    "static const colony_envelope_t colony_envelope = {",
    `  env_seed, env_pub, env_ids, env_keys, ${ids.length}, ${k.derivePrefix ? JSON.stringify(k.derivePrefix) : "0"}, ${k.seqBase}ULL,`,
    "  colony_envelope_seal, colony_envelope_open,",
    "};",
  ].join("\n");
}
