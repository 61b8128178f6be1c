import { describe, expect, it } from "vitest";
import { transportConformance } from "./transport.conformance.ts";
import { aedesHarness, inProcessHarness, mosquittoHarness, mqttsnHarness } from "./harnesses.ts";
import { mosquittoPath } from "./mosquitto.ts";
import { StoreForwardQueue, QueueFullError } from "../../host/net/queue.ts";

transportConformance("in-process bus", async () => inProcessHarness());
transportConformance("MQTT via embedded aedes", aedesHarness);
if (mosquittoPath()) transportConformance("MQTT via Mosquitto", mosquittoHarness);
else describe.skip("MQTT via Mosquitto (mosquitto not installed)", () => it("skipped", () => undefined));

describe("store-and-forward queue", () => {
  it("drops the oldest QoS 0 with a count, refuses QoS 1 at the bound", () => {
    const q = new StoreForwardQueue("dev", 3);
    const m = (topic: string, qos: 0 | 1) => ({ topic, payload: new Uint8Array(0), qos, retain: false });
    q.push(m("a", 0));
    q.push(m("b", 1));
    q.push(m("c", 0));
    q.push(m("d", 1)); // drops a
    q.push(m("e", 1)); // drops c
    expect(q.dropped).toBe(2);
    q.push(m("f", 0)); // no QoS 0 left to drop: f itself is dropped
    expect(q.dropped).toBe(3);
    expect(() => q.push(m("g", 1))).toThrow(QueueFullError);
    expect(() => q.push(m("g", 1))).toThrow(/queue of dev is full \(3 messages held at QoS 1\); refused QoS 1 publish on g/);
    expect([q.shift()?.topic, q.shift()?.topic, q.shift()?.topic, q.shift()]).toEqual(["b", "d", "e", undefined]);
  });
});

transportConformance("MQTT-SN via gateway to aedes", () => mqttsnHarness("aedes"));
if (mosquittoPath()) transportConformance("MQTT-SN via gateway to Mosquitto", () => mqttsnHarness("mosquitto"));
