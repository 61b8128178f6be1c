// The codec alone (no sockets): what a firmware test or a fuzzer imports.
export * from "./packets.ts";
export { encode, encodeFlags } from "./encode.ts";
export { decode, decodeFlags, MqttSnDecodeError, type DecodeProblem } from "./decode.ts";
