// One CBOR configuration for the whole wire: plain maps (no cbor-x records), byte strings
// without typed-array tags, so a C firmware or the AS SDK can read what the host writes.
// 64-bit integers decode as numbers, not BigInts: the wire's integers (sequence numbers,
// milliseconds) stay below 2^53, and a larger one fails the envelope's safe-integer check.
import { Encoder, type Options } from "cbor-x";

// int64AsNumber is a decoder option of cbor-x (decode.js) its typings leave out.
const options: Options & { int64AsNumber: boolean } = { useRecords: false, variableMapSize: true, tagUint8Array: false, mapsAsObjects: true, int64AsNumber: true };
const codec = new Encoder(options);

export function cborEncode(value: unknown): Uint8Array {
  const b = codec.encode(value);
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

/** Decodes exactly one CBOR item; throws (cbor-x's error) on malformed input. */
export function cborDecode(bytes: Uint8Array): unknown {
  return codec.decode(bytes);
}
