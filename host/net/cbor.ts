// One CBOR configuration for the whole wire: plain maps (no cbor-x records), byte strings
// without typed-array tags, so a C firmware or the AS SDK can read what the host writes.
import { Encoder } from "cbor-x";

const codec = new Encoder({ useRecords: false, variableMapSize: true, tagUint8Array: false, mapsAsObjects: true });

export function cborEncode(value: unknown): Uint8Array {
  const b = codec.encode(value);
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

/** Decodes exactly one CBOR item; throws (cbor-x's error) on malformed input. */
export function cborDecode(bytes: Uint8Array): unknown {
  return codec.decode(bytes);
}
