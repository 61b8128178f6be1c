// The simulated site's audit key: derived from the site and the run's seed, as the devices'
// keys are, so a run's log verifies with a key anyone can rebuild (a real site provisions it).
import { createHash } from "node:crypto";
import { deviceKeyFromSeed, type DeviceKey } from "../net/keys.ts";

export function siteAuditKey(site: string, seed: number): DeviceKey {
  return deviceKeyFromSeed(`${site}-audit`, createHash("sha256").update(`colony-sim-audit/${site}/${seed}`).digest().subarray(0, 32));
}
