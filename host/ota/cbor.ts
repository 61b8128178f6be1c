// The OTA wire's CBOR is the message envelope's (host/net/cbor.ts): plain maps, untagged byte strings.
import { cborDecode, cborEncode } from "../net/cbor.ts";

export { cborEncode as encode, cborDecode as decode };

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array);
}

export function isBytes(v: unknown): v is Uint8Array {
  return v instanceof Uint8Array;
}
