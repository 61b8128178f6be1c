// End to end: the QEMU device joins the fleet over its UART (SLIP-framed MQTT-SN,
// bridged to UDP) through Colony's MQTT-SN gateway, and exchanges messages with a
// simulated device on the same gateway; asserted on both sides.
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildFirmware, parseFirmwareOutput, runQemu, SerialBridge, slipEncode, SlipDecoder } from "../../host/firmware/index.ts";
import { cborEncode } from "../../host/net/cbor.ts";
import { EmbeddedBroker, MqttSnClient, MqttSnGateway } from "../../host/net/index.ts";
import { buildShippedAgents, missingTools, OUT, ROOT } from "./helpers.ts";

describe("SLIP framing", () => {
  it("escapes END and ESC and reassembles frames split anywhere", () => {
    const packet = Uint8Array.from([0x05, 0xc0, 0x01, 0xdb, 0xc0]);
    const wire = slipEncode(packet);
    expect(Array.from(wire)).toEqual([0xc0, 0x05, 0xdb, 0xdc, 0x01, 0xdb, 0xdd, 0xdb, 0xdc, 0xc0]);
    const dec = new SlipDecoder();
    const frames = [...dec.push(wire.subarray(0, 3)), ...dec.push(wire.subarray(3)), ...dec.push(slipEncode(Uint8Array.of(7)))];
    expect(frames.map((f) => Array.from(f))).toEqual([Array.from(packet), [7]]);
  });
});

const missing = missingTools(["wasm2c", "arm-none-eabi-gcc", "qemu-system-arm"]);

describe.skipIf(missing.length > 0)("the QEMU device on the fleet", () => {
  let broker: EmbeddedBroker;
  let gateway: MqttSnGateway;
  let bridge: SerialBridge;
  let sim: MqttSnClient;
  // what the simulated device hears; each test starts them afresh
  let beats: Uint8Array[] = [];
  let acks: Uint8Array[] = [];
  let onFirstBeat: (() => void) | undefined;

  beforeAll(async () => {
    await buildShippedAgents();
    broker = await EmbeddedBroker.start({ port: 0 });
    gateway = new MqttSnGateway({ brokerUrl: broker.url, port: 0 });
    await gateway.start();
    bridge = new SerialBridge({ gateway: { host: "127.0.0.1", port: gateway.port } });
    await bridge.start();
    sim = new MqttSnClient({ name: "sim-1", gateway: { host: "127.0.0.1", port: gateway.port } });
    await sim.connect();
    await sim.subscribe("colony/lab/event/ack", (_t, p) => acks.push(p));
    await sim.subscribe("colony/lab/presence/heartbeat", (_t, p) => {
      beats.push(p);
      const f = onFirstBeat;
      onFirstBeat = undefined;
      f?.();
    });
  }, 120_000);

  afterAll(async () => {
    await sim?.close();
    await bridge?.stop();
    await gateway?.stop();
    await broker?.stop();
  });

  it.each(["mps2-an386", "esp32-c3"])("%s publishes its heartbeat to a simulated device and answers its anomaly through the gateway", async (board) => {
    const device = `qemu-${board}`;
    const built = await buildFirmware({ root: ROOT, board, agents: ["heartbeat", "responder"], events: 4, link: true, site: "lab", deviceId: device, out: path.join(OUT, `link-${board}`) });
    beats = [];
    acks = [];
    // the device is up and subscribed once it beats: now the anomaly, from the simulated device
    onFirstBeat = () => void sim.publish("colony/lab/event/anomaly", cborEncode({ sensor: "accel0", rms: 1.25, alarm: 1 }), { qos: 1 });
    const sentBefore = bridge.stats.toGateway;
    const run = await runQemu({ board, elf: built.elf, timeoutMs: 40_000, linkPort: bridge.port });
    const out = parseFirmwareOutput(run.stdout);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toContain(`link: connected as ${device}`);
    // device side: the message came in over the link, the valve closed, the ack went out
    expect(out.metrics.get("responder")).toMatchObject({ received: 1, published: 1, faults: 0 });
    expect(run.stdout).toMatch(/act responder valve0 /);
    // simulated device side
    await new Promise((r) => setTimeout(r, 300));
    expect(beats.length).toBeGreaterThanOrEqual(1);
    expect(acks.length).toBe(1);
    expect(Buffer.from(acks[0]!).toString("hex")).toBe(out.published.find((p) => p.topic === "event/ack")!.body);
    expect(bridge.stats.toGateway - sentBefore).toBeGreaterThan(3);
  }, 60_000);
});
