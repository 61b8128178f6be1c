// End to end: the QEMU device joins the fleet over its UART (SLIP-framed MQTT-SN,
// bridged to UDP) through Colony's MQTT-SN gateway and an MQTT broker, and
// exchanges SIGNED envelopes with a simulated device on host/sim's sealed MQTT
// network (same run seed, so each side derives the other's key): both sides
// verify, and a forged or replayed envelope from the host side is dropped by
// the firmware with a console line.
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildFirmware, parseFirmwareOutput, runQemu, SerialBridge, slipEncode, SlipDecoder } from "../../host/firmware/index.ts";
import { RealClock, type BusMessage, type BusPort } from "../../host/kernel/index.ts";
import { cborDecode, cborEncode } from "../../host/net/cbor.ts";
import { Sealer } from "../../host/net/envelope.ts";
import { EmbeddedBroker, generateDeviceKey, MqttSnClient, MqttSnGateway } from "../../host/net/index.ts";
import { createNetwork, type Network } from "../../host/sim/network.ts";
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

const missing = missingTools(["wasm2c", "arm-none-eabi-gcc", "qemu-system-arm", "riscv64-unknown-elf-gcc", "qemu-system-riscv32"]);
const RUN_SEED = 7;

describe.skipIf(missing.length > 0)("the QEMU device on the fleet, signed", () => {
  let broker: EmbeddedBroker;
  let gateway: MqttSnGateway;
  let bridge: SerialBridge;
  let network: Network;
  let sim: BusPort;
  let raw: MqttSnClient; // the host side's own client, for what no honest device sends
  // what the simulated device hears (opened and verified by its CoordBusPort); each test starts them afresh
  let beats: BusMessage[] = [];
  let acks: BusMessage[] = [];
  let anomalyWire: Uint8Array[] = [];
  let onFirstBeat: (() => void) | undefined;

  beforeAll(async () => {
    await buildShippedAgents();
    broker = await EmbeddedBroker.start({ port: 0 });
    gateway = new MqttSnGateway({ brokerUrl: broker.url, port: 0 });
    await gateway.start();
    bridge = new SerialBridge({ gateway: { host: "127.0.0.1", port: gateway.port } });
    await bridge.start();
    network = await createNetwork({ kind: "mqtt", clock: new RealClock(), latencyMs: 0, seed: RUN_SEED, site: "lab", deviceIds: ["sim-1"], brokerUrl: broker.url });
    sim = await network.portFor("sim-1");
    sim.subscribe("colony/lab/event/ack", (m) => acks.push(m));
    sim.subscribe("colony/lab/presence/heartbeat", (m) => {
      beats.push(m);
      const f = onFirstBeat;
      onFirstBeat = undefined;
      f?.();
    });
    raw = new MqttSnClient({ name: "forger", gateway: { host: "127.0.0.1", port: gateway.port } });
    await raw.connect();
    await raw.subscribe("colony/lab/event/anomaly", (_t, p) => anomalyWire.push(p));
  }, 120_000);

  afterAll(async () => {
    await raw?.close();
    await network?.close();
    await bridge?.stop();
    await gateway?.stop();
    await broker?.stop();
  });

  it.each(["mps2-an386", "esp32-c3"])("%s and a simulated device exchange signed envelopes; forged and replayed ones are dropped", async (board) => {
    const device = `qemu-${board}`;
    const built = await buildFirmware({ root: ROOT, board, agents: ["heartbeat", "responder"], events: 6, link: true, seed: RUN_SEED, site: "lab", deviceId: device, out: path.join(OUT, `link-${board}`) });
    beats = [];
    acks = [];
    anomalyWire = [];
    const anomaly = cborEncode({ sensor: "accel0", rms: 1.25, alarm: 1 });
    // the device is up and subscribed once it beats: the anomaly, sealed by the simulated device;
    // then, from the host side, the same envelope again (a replay) and one signed with a key that is not sim-1's
    onFirstBeat = () => {
      sim.publish({ topic: "colony/lab/event/anomaly", from: "sim-1/monitor", body: anomaly, qos: 1 });
      const replay = async () => {
        for (let i = 0; i < 50 && anomalyWire.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
        await raw.publish("colony/lab/event/anomaly", anomalyWire[0]!, { qos: 1 });
        const forged = new Sealer(generateDeviceKey("sim-1"), () => Date.now(), 1000).seal("bus.msg", { agent: "monitor", data: anomaly });
        await raw.publish("colony/lab/event/anomaly", forged, { qos: 1 });
      };
      void replay();
    };
    const run = await runQemu({ board, elf: built.elf, timeoutMs: 40_000, linkPort: bridge.port });
    const out = parseFirmwareOutput(run.stdout);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toContain(`link: connected as ${device}`);
    // device side: the one authentic anomaly reached the responder; the valve closed, the ack went out
    expect(out.metrics.get("responder")).toMatchObject({ received: 1, published: 1, faults: 0 });
    expect(run.stdout).toMatch(/act responder valve0 /);
    expect(run.stdout).toMatch(/envelope: dropped on event\/anomaly: replay: sim-1#\d+ already seen/);
    expect(run.stdout).toMatch(/envelope: dropped on event\/anomaly: bad-signature: sim-1#1001 does not verify/);
    // simulated device side: its CoordBusPort verified the firmware's signatures (nothing refused)
    await new Promise((r) => setTimeout(r, 300));
    expect(network.refused()).toEqual({});
    expect(beats.length).toBeGreaterThanOrEqual(1);
    expect(beats[0]!.from).toBe(`${device}/heartbeat`);
    expect(acks.length).toBe(1);
    expect(acks[0]!.from).toBe(`${device}/responder`);
    expect(Buffer.from(acks[0]!.body).toString("hex")).toBe(out.published.find((p) => p.topic === "event/ack")!.body);
    // what crossed the broker was an envelope, not the agent's bare body
    expect(cborDecode(anomalyWire[0]!)).toMatchObject({ v: 1, from: "sim-1", kind: "bus.msg" });
  }, 90_000);
});
