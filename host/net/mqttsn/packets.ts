// MQTT-SN v1.2 messages as typed values (spec section 5). One union, keyed by `type`.
export const MsgType = {
  ADVERTISE: 0x00,
  SEARCHGW: 0x01,
  GWINFO: 0x02,
  CONNECT: 0x04,
  CONNACK: 0x05,
  WILLTOPICREQ: 0x06,
  WILLTOPIC: 0x07,
  WILLMSGREQ: 0x08,
  WILLMSG: 0x09,
  REGISTER: 0x0a,
  REGACK: 0x0b,
  PUBLISH: 0x0c,
  PUBACK: 0x0d,
  PUBCOMP: 0x0e,
  PUBREC: 0x0f,
  PUBREL: 0x10,
  SUBSCRIBE: 0x12,
  SUBACK: 0x13,
  UNSUBSCRIBE: 0x14,
  UNSUBACK: 0x15,
  PINGREQ: 0x16,
  PINGRESP: 0x17,
  DISCONNECT: 0x18,
  WILLTOPICUPD: 0x1a,
  WILLTOPICRESP: 0x1b,
  WILLMSGUPD: 0x1c,
  WILLMSGRESP: 0x1d,
  ENCAPSULATED: 0xfe,
} as const;
export type MsgTypeName = keyof typeof MsgType;

/** Return codes (5.3.10). */
export const ReturnCode = { ACCEPTED: 0, CONGESTION: 1, INVALID_TOPIC_ID: 2, NOT_SUPPORTED: 3 } as const;
export type ReturnCode = number;

/** Topic id types (5.3.11, flags bits 1-0). */
export const TopicIdType = { NORMAL: 0, PREDEFINED: 1, SHORT: 2 } as const;
export type TopicIdType = 0 | 1 | 2;

/** QoS -1 is "publish without connection" (flags bits 6-5 = 0b11). */
export type SnQoS = -1 | 0 | 1 | 2;

export interface Flags {
  dup: boolean;
  qos: SnQoS;
  retain: boolean;
  will: boolean;
  cleanSession: boolean;
  topicIdType: TopicIdType;
}

export const NO_FLAGS: Flags = { dup: false, qos: 0, retain: false, will: false, cleanSession: false, topicIdType: 0 };
export function flags(f: Partial<Flags>): Flags {
  return { ...NO_FLAGS, ...f };
}

export type Packet =
  | { type: "ADVERTISE"; gwId: number; duration: number }
  | { type: "SEARCHGW"; radius: number }
  | { type: "GWINFO"; gwId: number; gwAdd: Uint8Array }
  | { type: "CONNECT"; flags: Flags; protocolId: number; duration: number; clientId: string }
  | { type: "CONNACK"; returnCode: ReturnCode }
  | { type: "WILLTOPICREQ" }
  /** flags undefined and topic "" = the empty WILLTOPIC (delete the will). */
  | { type: "WILLTOPIC"; flags?: Flags; topic: string }
  | { type: "WILLMSGREQ" }
  | { type: "WILLMSG"; msg: Uint8Array }
  | { type: "REGISTER"; topicId: number; msgId: number; topicName: string }
  | { type: "REGACK"; topicId: number; msgId: number; returnCode: ReturnCode }
  | { type: "PUBLISH"; flags: Flags; topicId: number; msgId: number; data: Uint8Array }
  | { type: "PUBACK"; topicId: number; msgId: number; returnCode: ReturnCode }
  | { type: "PUBCOMP"; msgId: number }
  | { type: "PUBREC"; msgId: number }
  | { type: "PUBREL"; msgId: number }
  /** topicName for NORMAL and SHORT topic id types, topicId for PREDEFINED. */
  | { type: "SUBSCRIBE"; flags: Flags; msgId: number; topicName?: string; topicId?: number }
  | { type: "SUBACK"; flags: Flags; topicId: number; msgId: number; returnCode: ReturnCode }
  | { type: "UNSUBSCRIBE"; flags: Flags; msgId: number; topicName?: string; topicId?: number }
  | { type: "UNSUBACK"; msgId: number }
  | { type: "PINGREQ"; clientId?: string }
  | { type: "PINGRESP" }
  | { type: "DISCONNECT"; duration?: number }
  | { type: "WILLTOPICUPD"; flags?: Flags; topic: string }
  | { type: "WILLTOPICRESP"; returnCode: ReturnCode }
  | { type: "WILLMSGUPD"; msg: Uint8Array }
  | { type: "WILLMSGRESP"; returnCode: ReturnCode }
  /** Forwarder encapsulation (5.5): ctrl holds the radius (bits 1-0). */
  | { type: "ENCAPSULATED"; ctrl: number; nodeId: Uint8Array; inner: Packet };

export type PacketOf<T extends MsgTypeName> = Extract<Packet, { type: T }>;

/** A short topic name ("ab") as the 2-byte topic id field, and back. */
export function shortTopicId(name: string): number {
  const b = new TextEncoder().encode(name);
  if (b.length !== 2) throw new RangeError(`short topic name must be 2 bytes, got "${name}" (${b.length} bytes)`);
  return (b[0]! << 8) | b[1]!;
}
export function shortTopicName(id: number): string {
  return String.fromCharCode((id >> 8) & 0xff, id & 0xff);
}
