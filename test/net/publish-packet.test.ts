// The gateway's hand-built QoS 0 PUBLISH is byte for byte what mqtt.js's own encoder
// (mqtt-packet) writes, and what its parser reads back.
import mqttPacket from "mqtt-packet";
import { describe, expect, it } from "vitest";
import { qos0Publish } from "../../host/net/mqtt/index.ts";

describe("qos0Publish", () => {
  const cases: [string, number, boolean][] = [
    ["colony/site/a", 0, false],
    ["colony/site/ümlaut/ß", 5, true],
    ["t", 121, false], // remaining length 126: one byte
    ["t", 125, false], // 128: two bytes
    ["colony/long/" + "x".repeat(300), 16_500, true], // 16,8xx: three bytes
  ];
  for (const [topic, size, retain] of cases)
    it(`${size} B payload on a ${Buffer.byteLength(topic)} B topic${retain ? ", retained" : ""}`, () => {
      const payload = Uint8Array.from({ length: size }, (_, i) => (i * 31 + 7) & 255);
      const ours = qos0Publish(topic, payload, retain);
      const theirs = mqttPacket.generate({ cmd: "publish", topic, payload: Buffer.from(payload), qos: 0, retain, dup: false });
      expect(Buffer.compare(ours, theirs)).toBe(0);
      const parser = mqttPacket.parser({ protocolVersion: 4 });
      const got: mqttPacket.IPublishPacket[] = [];
      parser.on("packet", (p) => got.push(p as mqttPacket.IPublishPacket));
      parser.parse(ours);
      expect(got).toHaveLength(1);
      expect(got[0]!.topic).toBe(topic);
      expect(got[0]!.retain).toBe(retain);
      expect(new Uint8Array(got[0]!.payload as Buffer)).toEqual(payload);
    });

  it("refuses a topic MQTT cannot carry", () => {
    expect(() => qos0Publish("x".repeat(70_000), new Uint8Array(0), false)).toThrow(/65535/);
  });
});
