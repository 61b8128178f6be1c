// Why a bundle or an update was refused: one named reason each, so the CLI, the device's
// status message and the tests all speak the same words.
export const REFUSALS = [
  "truncated", // the bytes end before the bundle does
  "malformed", // not a Colony bundle (bad CBOR, missing or mistyped field)
  "tampered", // signature does not match the manifest and the module's hash
  "untrusted-key", // signed by a key this site does not trust
  "wrong-abi", // manifest asks for an ABI the device does not run
  "older-version", // not newer than the anti-rollback counter
  "corrupted", // a transfer's chunk or whole-image hash did not match
  "transfer-failed", // chunks stopped coming (link down longer than the retries allow)
  "wrong-agent", // bundle names another agent than the job announced
  "health-check", // the new version failed its health window
  "install-failed", // the new version could not be instantiated or restored
  "policy", // the site's policy does not let this publisher make this change (host/governance)
] as const;
export type Refusal = (typeof REFUSALS)[number];

export class OtaError extends Error {
  constructor(
    readonly reason: Refusal,
    readonly detail: string,
  ) {
    super(`${reason}: ${detail}`);
    this.name = "OtaError";
  }
}
