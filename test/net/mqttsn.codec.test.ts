import { describe, expect, it } from "vitest";
import { decode, encode, encodeFlags, decodeFlags, MqttSnDecodeError, MsgType, flags, shortTopicId, shortTopicName, type Flags, type Packet } from "../../host/net/mqttsn/codec.ts";

const f = flags({ qos: 1, topicIdType: 0 });
const bytes = (n: number, v = 7) => new Uint8Array(n).fill(v);

const SAMPLES: Packet[] = [
  { type: "ADVERTISE", gwId: 3, duration: 900 },
  { type: "SEARCHGW", radius: 1 },
  { type: "GWINFO", gwId: 3, gwAdd: new Uint8Array(0) },
  { type: "GWINFO", gwId: 3, gwAdd: new Uint8Array([127, 0, 0, 1, 0x1f, 0x90]) },
  { type: "CONNECT", flags: flags({ will: true, cleanSession: true }), protocolId: 1, duration: 60, clientId: "sensor-1" },
  { type: "CONNACK", returnCode: 0 },
  { type: "WILLTOPICREQ" },
  { type: "WILLTOPIC", flags: flags({ qos: 1, retain: true }), topic: "colony/s/presence/x" },
  { type: "WILLTOPIC", topic: "" },
  { type: "WILLMSGREQ" },
  { type: "WILLMSG", msg: bytes(10) },
  { type: "REGISTER", topicId: 0, msgId: 9, topicName: "colony/s/a" },
  { type: "REGACK", topicId: 12, msgId: 9, returnCode: 0 },
  { type: "PUBLISH", flags: f, topicId: 12, msgId: 65535, data: bytes(40) },
  { type: "PUBLISH", flags: f, topicId: 12, msgId: 1, data: bytes(400) }, // 3-byte header
  { type: "PUBLISH", flags: f, topicId: 12, msgId: 1, data: bytes(248) }, // 1-byte header, 255 total
  { type: "PUBLISH", flags: f, topicId: 12, msgId: 1, data: bytes(249) }, // 3-byte header, 258 total
  { type: "PUBACK", topicId: 12, msgId: 1, returnCode: 2 },
  { type: "PUBCOMP", msgId: 4 },
  { type: "PUBREC", msgId: 4 },
  { type: "PUBREL", msgId: 4 },
  { type: "SUBSCRIBE", flags: flags({ qos: 2 }), msgId: 5, topicName: "colony/+/x/#" },
  { type: "SUBSCRIBE", flags: flags({ topicIdType: 1 }), msgId: 5, topicId: 77 },
  { type: "SUBSCRIBE", flags: flags({ topicIdType: 2 }), msgId: 5, topicName: "ab" },
  { type: "SUBACK", flags: flags({ qos: 1 }), topicId: 0, msgId: 5, returnCode: 0 },
  { type: "UNSUBSCRIBE", flags: flags({}), msgId: 6, topicName: "a/b" },
  { type: "UNSUBSCRIBE", flags: flags({ topicIdType: 1 }), msgId: 6, topicId: 1 },
  { type: "UNSUBACK", msgId: 6 },
  { type: "PINGREQ" },
  { type: "PINGREQ", clientId: "sleepy" },
  { type: "PINGRESP" },
  { type: "DISCONNECT" },
  { type: "DISCONNECT", duration: 300 },
  { type: "WILLTOPICUPD", flags: flags({ qos: 2 }), topic: "w" },
  { type: "WILLTOPICUPD", topic: "" },
  { type: "WILLTOPICRESP", returnCode: 0 },
  { type: "WILLMSGUPD", msg: bytes(3) },
  { type: "WILLMSGRESP", returnCode: 3 },
  { type: "ENCAPSULATED", ctrl: 2, nodeId: new Uint8Array([1, 2, 3, 4]), inner: { type: "PINGREQ" } },
  { type: "ENCAPSULATED", ctrl: 0, nodeId: new Uint8Array([9]), inner: { type: "PUBLISH", flags: f, topicId: 1, msgId: 2, data: bytes(300) } },
];

function allFlags(): Flags[] {
  const out: Flags[] = [];
  for (const dup of [false, true]) for (const qos of [-1, 0, 1, 2] as const) for (const retain of [false, true])
    for (const will of [false, true]) for (const cleanSession of [false, true]) for (const topicIdType of [0, 1, 2] as const)
      out.push({ dup, qos, retain, will, cleanSession, topicIdType });
  return out;
}

describe("MQTT-SN codec", () => {
  it("covers every message type", () => {
    const covered = new Set(SAMPLES.map((p) => p.type));
    expect([...covered].sort()).toEqual(Object.keys(MsgType).sort());
  });

  it.each(SAMPLES.map((p, i) => [`${i} ${p.type}`, p] as const))("round-trips %s", (_n, p) => {
    const wire = encode(p);
    expect(decode(wire)).toEqual(p);
    const total = p.type === "ENCAPSULATED" ? wire[0]! : wire[0] === 1 ? (wire[1]! << 8) | wire[2]! : wire[0]!;
    if (p.type !== "ENCAPSULATED") expect(total).toBe(wire.length);
  });

  it("uses the 3-byte header exactly from 256 bytes on", () => {
    expect(encode({ type: "PUBLISH", flags: f, topicId: 1, msgId: 1, data: bytes(248) })[0]).toBe(255);
    const long = encode({ type: "PUBLISH", flags: f, topicId: 1, msgId: 1, data: bytes(249) });
    expect([long[0], long[1], long[2], long[3]]).toEqual([1, 1, 2, MsgType.PUBLISH]);
  });

  it("round-trips every flag combination through the flags byte and through PUBLISH, SUBSCRIBE, CONNECT", () => {
    const all = allFlags();
    expect(all.length).toBe(192); // 2 dup x 4 qos x 2 retain x 2 will x 2 clean x 3 topic id types
    for (const fl of all) {
      expect(decodeFlags(encodeFlags(fl))).toEqual(fl);
      for (const p of [
        { type: "PUBLISH", flags: fl, topicId: 0x6162, msgId: 3, data: bytes(2) },
        fl.topicIdType === 1
          ? { type: "SUBSCRIBE", flags: fl, msgId: 3, topicId: 4 }
          : { type: "SUBSCRIBE", flags: fl, msgId: 3, topicName: "ab" },
        { type: "CONNECT", flags: fl, protocolId: 1, duration: 10, clientId: "c" },
        { type: "WILLTOPIC", flags: fl, topic: "t" },
        { type: "SUBACK", flags: fl, topicId: 1, msgId: 2, returnCode: 0 },
      ] as Packet[])
        expect(decode(encode(p))).toEqual(p);
    }
    expect(encodeFlags(flags({ qos: -1 })) & 0x60).toBe(0x60);
  });

  it("short topic names map to the 2-byte id", () => {
    expect(shortTopicId("ab")).toBe(0x6162);
    expect(shortTopicName(0x6162)).toBe("ab");
    expect(() => shortTopicId("abc")).toThrow(/2 bytes/);
  });

  const bad: [string, number[], string][] = [
    ["empty", [], "truncated"],
    ["one byte", [5], "truncated"],
    ["length 0", [0, 0x16], "bad-length"],
    ["length 1", [1], "truncated"],
    ["longer than datagram", [10, 0x0c, 0, 0], "truncated"],
    ["shorter than datagram", [2, 0x16, 9, 9], "bad-length"],
    ["unknown type 0x03", [2, 0x03], "unknown-type"],
    ["unknown type 0x11", [2, 0x11], "unknown-type"],
    ["unknown type 0x19", [2, 0x19], "unknown-type"],
    ["unknown type 0xff", [2, 0xff], "unknown-type"],
    ["truncated PUBLISH", [5, 0x0c, 0x20, 0, 1], "truncated"],
    ["CONNACK too long", [4, 0x05, 0, 0], "bad-length"],
    ["3-byte header cut", [1, 0, 9], "truncated"],
    ["3-byte length 3", [1, 0, 3, 0x16], "bad-length"],
    ["bad protocol id", [7, 0x04, 0, 2, 0, 10, 0x61], "bad-field"],
    ["reserved topic id type", [7, 0x0c, 0x03, 0, 1, 0, 1], "bad-field"],
    ["bad utf-8", [7, 0x0a, 0, 0, 0, 1, 0xff], "bad-field"],
    ["encapsulated cut", [2, 0xfe], "bad-length"],
  ];
  it.each(bad)("refuses %s with a named problem", (_n, b, problem) => {
    try {
      decode(new Uint8Array(b));
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(MqttSnDecodeError);
      expect((e as MqttSnDecodeError).problem).toBe(problem);
    }
  });
});
