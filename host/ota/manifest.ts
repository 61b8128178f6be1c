// The part of an agent manifest that delivery relies on. The kernel validates the rest
// (capabilities, topics, resources) at load; here only what identifies and orders a release.
import { OtaError } from "./errors.ts";
import { parseSemVer } from "./semver.ts";
import { isRecord } from "./cbor.ts";

export interface BundleManifest {
  readonly name: string;
  readonly version: string;
  readonly abi: number;
  readonly [field: string]: unknown;
}

export function checkManifest(value: unknown, where = "manifest"): BundleManifest {
  if (!isRecord(value)) throw new OtaError("malformed", `${where} is not a map`);
  const { name, version, abi } = value;
  if (typeof name !== "string" || !/^[a-z0-9][a-z0-9._-]{0,63}$/.test(name))
    throw new OtaError("malformed", `${where}.name must be a lowercase agent name, got ${JSON.stringify(name)}`);
  if (typeof version !== "string" || !parseSemVer(version))
    throw new OtaError("malformed", `${where}.version must be a semver string, got ${JSON.stringify(version)}`);
  if (typeof abi !== "number" || !Number.isInteger(abi) || abi < 1)
    throw new OtaError("malformed", `${where}.abi must be a positive integer, got ${JSON.stringify(abi)}`);
  return value as BundleManifest;
}
