// End to end: a rollout from host/ota's controller (plain MQTT) to the QEMU firmware over its
// link (SLIP-framed MQTT-SN through Colony's gateway): the firmware follows its job, pulls the
// bundle into the inactive slot of the `agents` partition, verifies, switches, runs the new
// version on wasm3 and reports. wasm3 comes from WASM3_DIR (not in CI): skipped without it.
import path from "node:path";
import mqtt from "mqtt";
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildFirmware, runQemu, SerialBridge, wasm3Dir } from "../../host/firmware/index.ts";
import { EmbeddedBroker, MqttSnGateway } from "../../host/net/index.ts";
import { RolloutController, buildBundle, decodeDevice, hex, mqttTransport, otaTopics, type PublisherKey } from "../../host/ota/index.ts";
import { PUBLISHER, STRANGER } from "../ota/fixtures.ts";
import { buildAllAgents, missingTools, OUT, ROOT, testAgent } from "./helpers.ts";

const missing = wasm3Dir() ? missingTools(["arm-none-eabi-gcc", "qemu-system-arm"]) : ["WASM3_DIR"];
const DEVICE = "qemu-ota";

function shipped(agent: string, version: string, key: PublisherKey = PUBLISHER): Uint8Array {
  const dir = path.join(ROOT, "build/agents");
  const manifest = { ...JSON.parse(readFileSync(path.join(dir, `${agent}.json`), "utf8")), version };
  return buildBundle(manifest, new Uint8Array(readFileSync(path.join(dir, `${agent}.wasm`))), key);
}
const heartbeat = (version: string, key?: PublisherKey) => shipped("heartbeat", version, key);

describe.skipIf(missing.length > 0)("OTA to the QEMU firmware over its link", () => {
  let broker: EmbeddedBroker;
  let gateway: MqttSnGateway;
  let bridge: SerialBridge;

  beforeAll(async () => {
    await buildAllAgents();
    broker = await EmbeddedBroker.start({ port: 0 });
    gateway = new MqttSnGateway({ brokerUrl: broker.url, port: 0 });
    await gateway.start();
    bridge = new SerialBridge({ gateway: { host: "127.0.0.1", port: gateway.port } });
    await bridge.start();
  }, 120_000);

  afterAll(async () => {
    await bridge?.stop();
    await gateway?.stop();
    await broker?.stop();
  });

  it("mps2-an386: installs new versions over the link and runs them, state handed over; a bundle from an untrusted key is refused", async () => {
    const { mkdirSync, writeFileSync } = await import("node:fs");
    const files = ["heartbeat", "vibration-monitor"].map((agent) => {
      const file = path.join(OUT, "ota-link", `${agent}-1.0.1.cab`);
      mkdirSync(path.dirname(file), { recursive: true });
      writeFileSync(file, shipped(agent, "1.0.1"));
      return file;
    });
    const built = await buildFirmware({
      root: ROOT, board: "mps2-an386", agents: ["heartbeat", "vibration-monitor"], events: 450, link: true, site: "lab", deviceId: DEVICE, seed: 3,
      engine: "wasm3", out: path.join(OUT, "ota-link"), agentsPartition: { bundles: files, trustedKeys: [hex(PUBLISHER.publicKey)] },
    });
    const link = await mqtt.connectAsync(broker.url, { clientId: "controller" });
    const t = mqttTransport(link);
    let announced: (() => void) | undefined;
    const up = new Promise<void>((r) => (announced = r));
    await t.subscribe(otaTopics("lab").device(DEVICE), (_topic, p) => {
      if (p.length && decodeDevice(p).agents.heartbeat) announced?.();
    });
    const lines: string[] = [];
    const qemu = runQemu({ board: "mps2-an386", elf: built.elf, timeoutMs: 120_000, linkPort: bridge.port, onLine: (l) => lines.push(l) });
    try {
      await up;
      const fast = { waveTimeoutMs: 60_000, settleMs: 200 };
      const one = { target: `device:${DEVICE}`, canaryPercent: 100, haltOnPercent: 100, waves: 1 };
      const bad = await RolloutController.create(t, "lab", heartbeat("2.0.0", STRANGER), { ...one, id: "r-untrusted" }, fast);
      await bad.run();
      expect(bad.progress().statuses.get(DEVICE)).toMatchObject({ phase: "refused", reason: "untrusted-key", running: "1.0.1" });
      const started = Date.now();
      const bundle = heartbeat("1.0.2");
      const ctl = await RolloutController.create(t, "lab", bundle, { ...one, id: "r-102" }, fast);
      const r = await ctl.run();
      console.log(`OTA of a ${bundle.length}-byte bundle to the QEMU device over its link: ${Date.now() - started} ms (wall clock, QEMU mps2-an386, 512-byte chunks)`);
      expect(r.state, lines.join("\n")).toBe("done");
      expect(ctl.progress().statuses.get(DEVICE)).toMatchObject({ phase: "committed", running: "1.0.2", target: "1.0.2" });
      // the new version runs: started from slot 1, and it goes on beating
      const beatsBefore = lines.filter((l) => l.startsWith("pub heartbeat ")).length;
      await new Promise((res) => setTimeout(res, 2500));
      expect(lines).toContain("ota: starting heartbeat 1.0.2");
      expect(lines.filter((l) => l.startsWith("pub heartbeat ")).length).toBeGreaterThan(beatsBefore);
      // an agent with snapshot/restore hands its state to the new version
      const vm = await RolloutController.create(t, "lab", shipped("vibration-monitor", "1.0.2"), { ...one, id: "r-vm" }, fast);
      await vm.run();
      expect(vm.progress().statuses.get(DEVICE)).toMatchObject({ phase: "committed", running: "1.0.2" });
      const handed = lines.find((l) => l.startsWith("ota: vibration-monitor handed over "));
      expect(handed, lines.join("\n")).toBeDefined();
      const bytes = /over (\d+) bytes/.exec(handed!)![1];
      expect(lines).toContain(`ota: vibration-monitor restored ${bytes} bytes of state`);
      // a version that traps within its health window is rolled back on the device
      const sick = buildBundle(
        { ...JSON.parse(readFileSync(path.join(ROOT, "build/agents/vibration-monitor.json"), "utf8")), version: "1.0.3" },
        new Uint8Array(readFileSync(testAgent("crasher").wasmPath)),
        PUBLISHER,
      );
      const bad2 = await RolloutController.create(t, "lab", sick, { ...one, id: "r-sick" }, fast);
      await bad2.run();
      expect(bad2.progress().statuses.get(DEVICE)).toMatchObject({ phase: "rolled-back", reason: "health-check", running: "1.0.2" });
      expect(lines).toContain("ota: vibration-monitor health window: failed");
      expect(lines.filter((l) => l === "ota: starting vibration-monitor 1.0.2")).toHaveLength(2);
    } finally {
      await link.endAsync(true);
      await qemu.catch(() => undefined);
    }
  }, 240_000);
});
