// Decoder for every MQTT-SN v1.2 message. Never throws anything but MqttSnDecodeError, which
// names the problem (truncated, bad length, unknown type, bad field) so the gateway can log
// and drop the datagram and keep serving.
import { MsgType, type Flags, type MsgTypeName, type Packet, type SnQoS } from "./packets.ts";

export type DecodeProblem = "truncated" | "bad-length" | "unknown-type" | "bad-field";

export class MqttSnDecodeError extends Error {
  constructor(
    readonly problem: DecodeProblem,
    message: string,
  ) {
    super(`MQTT-SN ${problem}: ${message}`);
    this.name = "MqttSnDecodeError";
  }
}

const NAMES = new Map<number, MsgTypeName>(Object.entries(MsgType).map(([k, v]) => [v, k as MsgTypeName]));
const utf8 = new TextDecoder("utf-8", { fatal: true });

export function decodeFlags(b: number): Flags {
  const q = (b >> 5) & 0x03;
  const tit = b & 0x03;
  if (tit === 3) throw new MqttSnDecodeError("bad-field", `flags 0x${b.toString(16)}: topic id type 0b11 is reserved`);
  return {
    dup: (b & 0x80) !== 0,
    qos: (q === 3 ? -1 : q) as SnQoS,
    retain: (b & 0x10) !== 0,
    will: (b & 0x08) !== 0,
    cleanSession: (b & 0x04) !== 0,
    topicIdType: tit as 0 | 1 | 2,
  };
}

/** Decodes one datagram holding one message (or one encapsulated message). */
export function decode(buf: Uint8Array): Packet {
  if (buf.length < 2) throw new MqttSnDecodeError("truncated", `datagram of ${buf.length} bytes is shorter than a header`);
  let len: number;
  let o: number;
  if (buf[0] === 0x01) {
    if (buf.length < 4) throw new MqttSnDecodeError("truncated", `3-byte length header in a ${buf.length}-byte datagram`);
    len = (buf[1]! << 8) | buf[2]!;
    o = 3;
    if (len < 4) throw new MqttSnDecodeError("bad-length", `3-byte header says ${len} bytes`);
  } else {
    len = buf[0]!;
    o = 1;
    if (len < 2) throw new MqttSnDecodeError("bad-length", `length byte ${len} is below 2`);
  }
  const typeByte = buf[o]!;
  const name = NAMES.get(typeByte);
  if (name === undefined) throw new MqttSnDecodeError("unknown-type", `message type 0x${typeByte.toString(16).padStart(2, "0")}`);
  if (name === "ENCAPSULATED") {
    if (len > buf.length) throw new MqttSnDecodeError("truncated", `encapsulation header says ${len} bytes, datagram has ${buf.length}`);
    if (len < 3) throw new MqttSnDecodeError("bad-length", `encapsulation header of ${len} bytes has no Ctrl`);
    return { type: "ENCAPSULATED", ctrl: buf[o + 1]! & 0x03, nodeId: buf.slice(o + 2, len), inner: decode(buf.subarray(len)) };
  }
  if (len > buf.length) throw new MqttSnDecodeError("truncated", `${name} says ${len} bytes, datagram has ${buf.length}`);
  if (len < buf.length) throw new MqttSnDecodeError("bad-length", `${name} says ${len} bytes, datagram has ${buf.length}`);
  return decodeBody(name, buf.subarray(o + 1, len));
}

// Module-level helpers, not closures: decodeBody runs once per datagram, and closures made per
// call (named by the TypeScript loader through defineProperty) cost close to a tenth of the gateway's time.
function need(name: MsgTypeName, b: Uint8Array, n: number, exact = false): void {
  if (b.length < n || (exact && b.length !== n))
    throw new MqttSnDecodeError(b.length < n ? "truncated" : "bad-length", `${name} body is ${b.length} bytes, expected ${exact ? "" : "at least "}${n}`);
}
function u16At(b: Uint8Array, i: number): number {
  return (b[i]! << 8) | b[i + 1]!;
}
function strFrom(name: MsgTypeName, b: Uint8Array, from: number, field: string): string {
  try {
    return utf8.decode(b.subarray(from));
  } catch {
    throw new MqttSnDecodeError("bad-field", `${name} ${field} is not UTF-8`);
  }
}

function decodeBody(name: MsgTypeName, b: Uint8Array): Packet {
  switch (name) {
    case "ADVERTISE": need(name, b, 3, true); return { type: name, gwId: b[0]!, duration: u16At(b, 1) };
    case "SEARCHGW": need(name, b, 1, true); return { type: name, radius: b[0]! };
    case "GWINFO": need(name, b, 1); return { type: name, gwId: b[0]!, gwAdd: b.slice(1) };
    case "CONNECT": {
      need(name, b, 4);
      if (b[1] !== 0x01) throw new MqttSnDecodeError("bad-field", `CONNECT protocol id 0x${b[1]!.toString(16)}, expected 0x01`);
      const clientId = strFrom(name, b, 4, "client id");
      if (clientId.length === 0 || clientId.length > 23) throw new MqttSnDecodeError("bad-field", `CONNECT client id must be 1-23 characters, got ${clientId.length}`);
      return { type: name, flags: decodeFlags(b[0]!), protocolId: b[1]!, duration: u16At(b, 2), clientId };
    }
    case "CONNACK": case "WILLTOPICRESP": case "WILLMSGRESP": need(name, b, 1, true); return { type: name, returnCode: b[0]! };
    case "WILLTOPICREQ": case "WILLMSGREQ": case "PINGRESP": need(name, b, 0, true); return { type: name };
    case "WILLTOPIC": case "WILLTOPICUPD":
      if (b.length === 0) return { type: name, topic: "" };
      return { type: name, flags: decodeFlags(b[0]!), topic: strFrom(name, b, 1, "will topic") };
    case "WILLMSG": case "WILLMSGUPD": return { type: name, msg: b.slice() };
    case "REGISTER": need(name, b, 4); return { type: name, topicId: u16At(b, 0), msgId: u16At(b, 2), topicName: strFrom(name, b, 4, "topic name") };
    case "REGACK": case "PUBACK": need(name, b, 5, true); return { type: name, topicId: u16At(b, 0), msgId: u16At(b, 2), returnCode: b[4]! };
    case "PUBLISH": need(name, b, 5); return { type: name, flags: decodeFlags(b[0]!), topicId: u16At(b, 1), msgId: u16At(b, 3), data: b.slice(5) };
    case "PUBCOMP": case "PUBREC": case "PUBREL": case "UNSUBACK": need(name, b, 2, true); return { type: name, msgId: u16At(b, 0) };
    case "SUBSCRIBE": case "UNSUBSCRIBE": {
      need(name, b, 3);
      const f = decodeFlags(b[0]!);
      if (f.topicIdType === 1) {
        need(name, b, 5, true);
        return { type: name, flags: f, msgId: u16At(b, 1), topicId: u16At(b, 3) };
      }
      const topicName = strFrom(name, b, 3, "topic name");
      if (topicName.length === 0) throw new MqttSnDecodeError("bad-field", `${name} has an empty topic name`);
      return { type: name, flags: f, msgId: u16At(b, 1), topicName };
    }
    case "SUBACK": need(name, b, 6, true); return { type: name, flags: decodeFlags(b[0]!), topicId: u16At(b, 1), msgId: u16At(b, 3), returnCode: b[5]! };
    case "PINGREQ": return b.length === 0 ? { type: name } : { type: name, clientId: strFrom(name, b, 0, "client id") };
    case "DISCONNECT":
      if (b.length === 0) return { type: name };
      need(name, b, 2, true);
      return { type: name, duration: u16At(b, 0) };
    case "ENCAPSULATED": throw new MqttSnDecodeError("bad-field", "nested encapsulation");
  }
}
