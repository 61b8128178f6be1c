// The OTA wire's CBOR: plain maps, byte strings without typed-array tags, so a C firmware
// reads what the host writes (same settings as the message envelope).
import { Encoder } from "cbor-x";

const codec = new Encoder({ useRecords: false, variableMapSize: true, tagUint8Array: false, mapsAsObjects: true });

export function encode(value: unknown): Uint8Array {
  const b = codec.encode(value);
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

/** Decodes exactly one item. Throws cbor-x's error; `incomplete` is set when input ended early. */
export function decode(bytes: Uint8Array): unknown {
  return codec.decode(bytes);
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array);
}

export function isBytes(v: unknown): v is Uint8Array {
  return v instanceof Uint8Array;
}
