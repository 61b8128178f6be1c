// The site policy at the MQTT-SN gateway (host/governance/broker-gate.ts): what a device that
// does not enforce the policy itself sends is held to it where it reaches the broker. A
// local-only topic and a topic classed raw never reach the broker; a rate limit for the agent
// the envelope names cuts its messages; a manager's call claiming a priority the site does not
// give it is refused; QoS 1 refusals are answered "not supported" (the device stops retrying),
// QoS 2 ones released to nobody; every refusal is counted and logged; the rest is relayed.
import { createSocket, type Socket } from "node:dgram";
import mqtt, { type MqttClient } from "mqtt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BrokerGate, parsePolicy } from "../../host/governance/index.ts";
import { EmbeddedBroker } from "../../host/net/broker.ts";
import { cborEncode } from "../../host/net/cbor.ts";
import { deviceKeyFromSeed, Sealer, simDeviceSeed } from "../../host/net/index.ts";
import { decode, encode, flags, MqttSnGateway, type Packet } from "../../host/net/mqttsn/index.ts";
import { VirtualClock } from "../../host/kernel/index.ts";
import { waitFor } from "./harnesses.ts";

const POLICY = `site: s
topics:
  raw/#: raw
  telemetry/#: derived
  cnet/#: derived
egress: [public, derived]
localOnly: [features/#]
rateLimits:
  - { agent: monitor, topic: telemetry/#, perSecond: 1, burst: 2 }
tasks:
  dev-1/manager: { priority: 3 }
`;

describe("site policy at the MQTT-SN gateway", () => {
  let broker: EmbeddedBroker;
  let gw: MqttSnGateway;
  let watcher: MqttClient;
  let sock: Socket;
  const seen: string[] = [];
  const logs: string[] = [];
  const inbox: Packet[] = [];
  const gate = new BrokerGate(parsePolicy(POLICY, "site.yaml"));
  const sealer = new Sealer(deviceKeyFromSeed("dev-1", simDeviceSeed(1, "dev-1")), () => Date.now());
  const send = (p: Packet) => sock.send(encode(p), gw.port, "127.0.0.1");
  const next = async <T extends Packet["type"]>(type: T): Promise<Extract<Packet, { type: T }>> => {
    await waitFor(() => inbox.some((p) => p.type === type), type);
    return inbox.splice(inbox.findIndex((p) => p.type === type), 1)[0] as Extract<Packet, { type: T }>;
  };
  let msgId = 100;
  /** Registers `topic`, publishes `data` at `qos`, returns the PUBACK's return code (QoS 1) or "sent". */
  const publish = async (topic: string, data: Uint8Array, qos: 0 | 1 | 2): Promise<number | string> => {
    send({ type: "REGISTER", topicId: 0, msgId: ++msgId, topicName: topic });
    const { topicId } = await next("REGACK");
    const id = ++msgId;
    send({ type: "PUBLISH", flags: flags({ qos }), topicId, msgId: id, data });
    if (qos === 1) return (await next("PUBACK")).returnCode;
    if (qos === 2) {
      await next("PUBREC");
      send({ type: "PUBREL", msgId: id });
      await next("PUBCOMP");
    }
    return "sent";
  };
  const busMsg = (agent: string, data: Uint8Array) => sealer.seal("bus.msg", { agent, data });

  beforeAll(async () => {
    broker = await EmbeddedBroker.start();
    // the gate's clock stands still: the rate limit's refill is not the test's business
    gw = new MqttSnGateway({ brokerUrl: broker.url, retryMs: 500, clock: new VirtualClock(), log: (l) => logs.push(l), publishGate: (c, t, d, now) => gate.check(c, t, d, now) });
    await gw.start();
    watcher = await mqtt.connectAsync(broker.url, { clientId: `watch-${process.pid}` });
    watcher.on("message", (t, p) => seen.push(t + " " + p.length));
    await watcher.subscribeAsync("#", { qos: 2 });
    sock = createSocket("udp4");
    sock.on("message", (m) => inbox.push(decode(new Uint8Array(m))));
    await new Promise<void>((r) => sock.bind(0, "127.0.0.1", () => r()));
    send({ type: "CONNECT", flags: flags({ cleanSession: true }), protocolId: 1, duration: 30, clientId: "dev-1" });
    expect((await next("CONNACK")).returnCode).toBe(0);
  });
  afterAll(async () => {
    sock.close();
    await watcher.endAsync(true);
    await gw.stop();
    await broker.stop();
  });

  it("refuses local-only and raw-classed topics, cuts an agent's rate, refuses a false task claim, and relays the rest", async () => {
    const NOT_SUPPORTED = 3;
    expect(await publish("colony/s/features/rms", busMsg("monitor", cborEncode({ rms: 1 })), 1)).toBe(NOT_SUPPORTED);
    expect(await publish("colony/s/raw/spectrum", busMsg("monitor", cborEncode([1, 2, 3])), 1)).toBe(NOT_SUPPORTED);
    expect(await publish("colony/s/raw/spectrum", busMsg("monitor", cborEncode([1, 2, 3])), 2)).toBe("sent"); // held to nobody
    // the monitor may send two at once (burst 2); another agent on the same topic is not limited
    const rates = [];
    for (let i = 0; i < 4; i++) rates.push(await publish("colony/s/telemetry/vib", busMsg("monitor", cborEncode({ i })), 1));
    expect(rates).toEqual([0, 0, NOT_SUPPORTED, NOT_SUPPORTED]);
    expect(await publish("colony/s/telemetry/vib", busMsg("reporter", cborEncode({ i: 9 })), 1)).toBe(0);
    // the site gives dev-1's manager priority 3: a call claiming 7 is refused, one claiming 3 relayed
    expect(await publish("colony/s/cnet/cfp", busMsg("manager", cborEncode({ kind: "cnet.cfp", task: "t", priority: 7 })), 1)).toBe(NOT_SUPPORTED);
    expect(await publish("colony/s/cnet/cfp", busMsg("manager", cborEncode({ kind: "cnet.cfp", task: "t", priority: 3 })), 1)).toBe(0);
    // an unclassed topic is the device's call; an unsealed body names no agent, so only "*" rules apply to it
    expect(await publish("colony/s/event/x", cborEncode({ a: 1 }), 1)).toBe(0);
    expect(await publish("colony/s/telemetry/vib", cborEncode({ raw: true }), 0)).toBe("sent");
    await waitFor(() => seen.length >= 6, "the relayed messages at the broker");
    await new Promise((r) => setTimeout(r, 200));
    expect(seen.map((s) => s.split(" ")[0])).toEqual([
      "colony/s/telemetry/vib", "colony/s/telemetry/vib", "colony/s/telemetry/vib", "colony/s/cnet/cfp", "colony/s/event/x", "colony/s/telemetry/vib",
    ]);
    expect(gate.refused).toEqual({ "local-only": 1, "egress:raw": 2, "rate:telemetry/#": 2, "task:priority": 1 });
    expect(gw.stats.refused).toBe(6);
    expect(logs.filter((l) => / refused: /.test(l))).toHaveLength(6);
    expect(logs.find((l) => l.includes("features/rms"))).toMatch(/PUBLISH of dev-1 on colony\/s\/features\/rms refused: site policy: "features\/rms" is local-only and may not leave dev-1 \(site\.yaml\)/);
    expect(logs.find((l) => l.includes("cnet/cfp"))).toMatch(/manager's cnet\/cfp claims priority 7 where the site gives 3/);
  });
});
