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
import { RolloutController, buildBundle, decodeDevice, hex, mqttTransport, otaTopics, verifyBundle, type OtaTransport, type PublisherKey } from "../../host/ota/index.ts";
import { loadPolicy, UpdateGate } from "../../host/governance/index.ts";
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

/** A QEMU firmware built with `built`, on the link; `run` gets the controller's transport and the console so far, once the device has announced itself. */
async function withDevice(bridgePort: number, brokerUrl: string, device: string, built: { elf: string }, run: (t: OtaTransport, lines: string[]) => Promise<void>): Promise<void> {
  const link = await mqtt.connectAsync(brokerUrl, { clientId: `controller-${device}` });
  const t = mqttTransport(link);
  let announced: (() => void) | undefined;
  const up = new Promise<void>((r) => (announced = r));
  await t.subscribe(otaTopics("lab").device(device), (_topic, p) => {
    if (p.length && decodeDevice(p).agents.heartbeat) announced?.();
  });
  const lines: string[] = [];
  const qemu = runQemu({ board: "mps2-an386", elf: built.elf, timeoutMs: 120_000, linkPort: bridgePort, onLine: (l) => lines.push(l) });
  try {
    await up;
    await run(t, lines);
  } finally {
    await link.endAsync(true);
    await qemu.catch(() => undefined);
  }
}

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
    await withDevice(bridge.port, broker.url, DEVICE, built, async (t, lines) => {
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
    });
  }, 240_000);

  it("mps2-an386 with a site policy: a release asking for a topic the update rules do not allow is refused on the device, the old version beats on", async () => {
    const { mkdirSync, writeFileSync } = await import("node:fs");
    const dir = path.join(OUT, "ota-link-policy");
    mkdirSync(dir, { recursive: true });
    const file = path.join(dir, "heartbeat-1.0.1.cab");
    writeFileSync(file, heartbeat("1.0.1"));
    const policyFile = path.join(dir, "site.yaml");
    writeFileSync(policyFile, `egress: [public, derived, raw]\nupdates:\n  - { agents: [heartbeat], publishers: [${hex(PUBLISHER.publicKey)}], newCapabilities: none, newTopics: none }\n`);
    const device = `${DEVICE}-policy`;
    const built = await buildFirmware({
      root: ROOT, board: "mps2-an386", agents: ["heartbeat"], events: 30, link: true, site: "lab", deviceId: device, seed: 3, policy: policyFile,
      engine: "wasm3", out: dir, agentsPartition: { bundles: [file], trustedKeys: [hex(PUBLISHER.publicKey)] },
    });
    await withDevice(bridge.port, broker.url, device, built, async (t, lines) => {
      const manifest = JSON.parse(readFileSync(path.join(ROOT, "build/agents/heartbeat.json"), "utf8"));
      const wider = buildBundle({ ...manifest, version: "2.0.0", publish: [...manifest.publish, "presence/alarm"] }, new Uint8Array(readFileSync(path.join(ROOT, "build/agents/heartbeat.wasm"))), PUBLISHER);
      const why = new UpdateGate(loadPolicy(policyFile)).check({ ...manifest, version: "1.0.1" }, verifyBundle(wider, { trustedKeys: [PUBLISHER.publicKey], abi: [1] }).manifest, PUBLISHER.publicKey);
      const ctl = await RolloutController.create(t, "lab", wider, { target: `device:${device}`, canaryPercent: 100, haltOnPercent: 100, waves: 1, id: "r-wider" }, { waveTimeoutMs: 60_000, settleMs: 200 });
      await ctl.run();
      expect(ctl.progress().statuses.get(device), lines.join("\n")).toMatchObject({ phase: "refused", reason: "policy", detail: why, running: "1.0.1" });
      expect(lines).toContain(`ota: refused heartbeat 2.0.0 policy update:topic: ${why}`);
      const beatsBefore = lines.filter((l) => l.startsWith("pub heartbeat ")).length;
      await new Promise((res) => setTimeout(res, 2500));
      expect(lines.filter((l) => l.startsWith("pub heartbeat ")).length).toBeGreaterThan(beatsBefore);
      expect(lines.some((l) => l.startsWith("ota: starting heartbeat 2.0.0"))).toBe(false);
    });
  }, 240_000);
});
