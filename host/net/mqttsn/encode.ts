// Encoder for every MQTT-SN v1.2 message (spec 5.2-5.5). A body of 256 bytes or more gets the
// 3-byte length header (0x01, length-hi, length-lo); shorter ones the 1-byte header.
import { MsgType, type Flags, type Packet } from "./packets.ts";

const utf8 = new TextEncoder();

export function encodeFlags(f: Flags): number {
  const qos = f.qos === -1 ? 3 : f.qos;
  return (f.dup ? 0x80 : 0) | (qos << 5) | (f.retain ? 0x10 : 0) | (f.will ? 0x08 : 0) | (f.cleanSession ? 0x04 : 0) | f.topicIdType;
}

// Module-level helpers, not closures made per call (see decode.ts).
function u16(n: number): number[] {
  return [(n >> 8) & 0xff, n & 0xff];
}
function cat(head: number[], tail: Uint8Array): Uint8Array {
  const out = new Uint8Array(head.length + tail.length);
  out.set(head);
  out.set(tail, head.length);
  return out;
}

/** Bytes of the message after the type byte. */
function body(p: Packet): number[] | Uint8Array {
  switch (p.type) {
    case "ADVERTISE": return [p.gwId, ...u16(p.duration)];
    case "SEARCHGW": return [p.radius];
    case "GWINFO": return cat([p.gwId], p.gwAdd);
    case "CONNECT": return cat([encodeFlags(p.flags), p.protocolId, ...u16(p.duration)], utf8.encode(p.clientId));
    case "CONNACK": case "WILLTOPICRESP": case "WILLMSGRESP": return [p.returnCode];
    case "WILLTOPICREQ": case "WILLMSGREQ": case "PINGRESP": return [];
    case "WILLTOPIC": case "WILLTOPICUPD": return p.flags ? cat([encodeFlags(p.flags)], utf8.encode(p.topic)) : [];
    case "WILLMSG": case "WILLMSGUPD": return p.msg;
    case "REGISTER": return cat([...u16(p.topicId), ...u16(p.msgId)], utf8.encode(p.topicName));
    case "REGACK": case "PUBACK": return [...u16(p.topicId), ...u16(p.msgId), p.returnCode];
    case "PUBLISH": return cat([encodeFlags(p.flags), ...u16(p.topicId), ...u16(p.msgId)], p.data);
    case "PUBCOMP": case "PUBREC": case "PUBREL": case "UNSUBACK": return u16(p.msgId);
    case "SUBSCRIBE": case "UNSUBSCRIBE": {
      const head = [encodeFlags(p.flags), ...u16(p.msgId)];
      if (p.flags.topicIdType === 1) return [...head, ...u16(p.topicId ?? 0)];
      return cat(head, utf8.encode(p.topicName ?? ""));
    }
    case "SUBACK": return [encodeFlags(p.flags), ...u16(p.topicId), ...u16(p.msgId), p.returnCode];
    case "PINGREQ": return p.clientId ? utf8.encode(p.clientId) : [];
    case "DISCONNECT": return p.duration === undefined ? [] : u16(p.duration);
    case "ENCAPSULATED": return cat([p.ctrl & 0x03], p.nodeId);
  }
}

export function encode(p: Packet): Uint8Array {
  if (p.type === "PUBLISH" && p.data.length + 7 <= 255) return encodeShortPublish(p);
  const b = body(p);
  if (p.type === "ENCAPSULATED") {
    // 5.5: the encapsulation header has its own 1-byte length; the inner message follows.
    const inner = encode(p.inner);
    const headLen = 2 + b.length;
    if (headLen > 255) throw new RangeError(`encapsulation header too long: node id of ${p.nodeId.length} bytes`);
    const out = new Uint8Array(headLen + inner.length);
    out[0] = headLen;
    out[1] = MsgType.ENCAPSULATED;
    out.set(b, 2);
    out.set(inner, headLen);
    return out;
  }
  const short = b.length + 2 <= 255;
  const len = short ? b.length + 2 : b.length + 4;
  if (len > 0xffff) throw new RangeError(`MQTT-SN message of ${len} bytes exceeds 65535`);
  const out = new Uint8Array(len);
  let o = 0;
  if (short) out[o++] = len;
  else {
    out[o++] = 0x01;
    out[o++] = len >> 8;
    out[o++] = len & 0xff;
  }
  out[o++] = MsgType[p.type];
  out.set(b, o);
  return out;
}

/** The hot path: a PUBLISH with a 1-byte length, written in place with no intermediate arrays. */
function encodeShortPublish(p: Extract<Packet, { type: "PUBLISH" }>): Uint8Array {
  const len = p.data.length + 7;
  const out = new Uint8Array(len);
  out[0] = len;
  out[1] = MsgType.PUBLISH;
  out[2] = encodeFlags(p.flags);
  out[3] = (p.topicId >> 8) & 0xff;
  out[4] = p.topicId & 0xff;
  out[5] = (p.msgId >> 8) & 0xff;
  out[6] = p.msgId & 0xff;
  out.set(p.data, 7);
  return out;
}
