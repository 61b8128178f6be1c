// firmware/ota/device.c (the device's OTA engine, compiled for the host) against host/ota's
// rollout controller and chunk server: the harness's link is a line protocol bridged here to
// an in-memory broker, so the C device and the TS controller speak the real messages.
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { createInterface } from "node:readline";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { MemoryBus, RolloutController, buildBundle, decodeStatus, hex, lossyTransport, otaTopics, verifyBundle, type OtaTransport, type StatusMessage } from "../../host/ota/index.ts";
import { parsePolicy, UpdateGate } from "../../host/governance/index.ts";
import { PUBLISHER, STRANGER, agentWasm, counterBundle, manifest } from "../ota/fixtures.ts";
import { buildOtaHarness, missingTools, OUT } from "./helpers.ts";

const missing = missingTools(["cc"]);
const BIN = path.join(OUT, "ota-device");
const DIR = path.join(OUT, "ota-device-bundles");
const fast = { waveTimeoutMs: 30_000, settleMs: 100 };

interface CDevice {
  readonly lines: string[];
  reboot(): void;
  quit(): Promise<string>;
}

const running: ChildProcessWithoutNullStreams[] = [];
afterEach(() => {
  for (const c of running.splice(0)) c.kill();
});

/** Starts the C device on `transport`: its subscriptions and publications cross the bridge. */
/** bin: a harness build (another one has the site's update rules); keys: the publishers it trusts. */
function startDevice(transport: OtaTransport, id: string, args: string[] = [], bin = BIN, keys = [PUBLISHER]): Promise<CDevice> {
  const v1 = path.join(DIR, "v1.cab");
  const child = spawn(bin, ["device", keys.map((k) => hex(k.publicKey)).join(","), "plant-1", id, v1, ...args]);
  running.push(child);
  const lines: string[] = [];
  let announced: () => void;
  const ready = new Promise<void>((r) => (announced = r));
  let final: (s: string) => void;
  const done = new Promise<string>((r) => (final = r));
  createInterface({ input: child.stdout }).on("line", (line) => {
    lines.push(line);
    const [kind, a, b, c] = line.split(" ");
    if (kind === "sub") void transport.subscribe(a!, (topic, payload) => child.stdin.write(`msg ${topic} ${Buffer.from(payload).toString("hex")}\n`));
    else if (kind === "pub") {
      void transport.publish(a!, new Uint8Array(Buffer.from(c ?? "", "hex")), { qos: 1, retain: b === "1" });
      if (a!.includes("/device/")) announced();
    } else if (kind === "final") final(line);
  });
  child.stderr.on("data", (d: Buffer) => lines.push(`stderr ${d.toString()}`));
  child.on("exit", (code) => lines.push(`exit ${code}`));
  return ready.then(() => ({
    lines,
    reboot: () => child.stdin.write("reboot\n"),
    quit: () => {
      child.stdin.write("quit\n");
      return done;
    },
  }));
}

async function rollout(bus: MemoryBus, bundle: Uint8Array, id: string): Promise<StatusMessage> {
  const ctl = await RolloutController.create(bus.client(), "plant-1", bundle, { target: "device:c-dev", canaryPercent: 100, haltOnPercent: 100, waves: 1, id }, fast);
  await ctl.run();
  return ctl.progress().statuses.get("c-dev")!;
}

describe.skipIf(missing.length > 0)("the C device's OTA engine against host/ota's controller", () => {
  beforeAll(() => {
    mkdirSync(DIR, { recursive: true });
    writeFileSync(path.join(DIR, "v1.cab"), counterBundle("1.0.0", { size: 2048 }));
    buildOtaHarness(BIN);
  });

  it("installs a rollout, refuses older, untrusted and wrong-ABI bundles, rolls back a sick version, and follows an operator rollback", async () => {
    const bus = new MemoryBus();
    const dev = await startDevice(bus.client(), "c-dev", ["--sick", "4.0.0"]);
    const v2 = await rollout(bus, counterBundle("2.0.0", { size: 2048 }), "r2");
    expect(v2).toMatchObject({ phase: "committed", running: "2.0.0", target: "2.0.0" });
    expect(await rollout(bus, counterBundle("1.5.0"), "r-old")).toMatchObject({ phase: "refused", reason: "older-version", running: "2.0.0" });
    expect(await rollout(bus, counterBundle("3.0.0", { key: STRANGER }), "r-stranger")).toMatchObject({ phase: "refused", reason: "untrusted-key", running: "2.0.0" });
    expect(await rollout(bus, counterBundle("3.0.0", { abi: 2 }), "r-abi")).toMatchObject({ phase: "refused", reason: "wrong-abi", running: "2.0.0" });
    expect(await rollout(bus, counterBundle("4.0.0", { size: 2048 }), "r-sick")).toMatchObject({ phase: "rolled-back", reason: "health-check", running: "2.0.0" });
    const v3 = await rollout(bus, counterBundle("3.0.0", { size: 3000 }), "r3");
    expect(v3).toMatchObject({ phase: "committed", running: "3.0.0" });
    const back = await (await RolloutController.open(bus.client(), "plant-1", "r3", fast)).rollback();
    expect(back.state).toBe("rolled-back");
    // the device's retained status says where it is
    const statuses: StatusMessage[] = [];
    await bus.client().subscribe(otaTopics("plant-1").status("c-dev"), (_t, p) => statuses.push(decodeStatus(p)));
    await new Promise((r) => setTimeout(r, 100));
    expect(statuses.at(-1)).toMatchObject({ rollout: "r3", phase: "rolled-back", running: "2.0.0" });
    // the state handed over at each install and rollback: provisioned at 8, still 8
    expect(await dev.quit()).toBe("final 2.0.0 8");
  }, 120_000);

  it("refuses a release the site's update rules forbid after its download, before the slot is made bootable, and keeps the old version", async () => {
    const policy = parsePolicy(`updates:\n  - { agents: [counter], publishers: [${hex(PUBLISHER.publicKey)}], newCapabilities: none, newTopics: [telemetry/count] }\n`, "site.yaml");
    const bin = `${BIN}-policy`;
    buildOtaHarness(bin, policy, ["counter"]);
    const bus = new MemoryBus();
    const dev = await startDevice(bus.client(), "c-dev", [], bin, [PUBLISHER, STRANGER]);
    const release = (version: string, extra: Record<string, unknown>, key = PUBLISHER) => buildBundle({ ...manifest(version), ...extra }, agentWasm({ version: 2, size: 2048 }), key);
    const gate = new UpdateGate(policy);
    const v1 = verifyBundle(readFileSync(path.join(DIR, "v1.cab")), { trustedKeys: [PUBLISHER.publicKey], abi: [1] }).manifest;
    for (const [id, b] of [
      ["r-cap", release("2.0.0", { capabilities: ["clock", "log", "actuator:valve0"] })],
      ["r-topic", release("2.0.0", { subscribe: ["cmd/#"] })],
      ["r-key", release("2.0.0", {}, STRANGER)],
    ] as const) {
      const next = verifyBundle(b, { trustedKeys: [PUBLISHER.publicKey, STRANGER.publicKey], abi: [1] });
      expect(await rollout(bus, b, id), id).toMatchObject({ phase: "refused", reason: "policy", detail: gate.check(v1, next.manifest, next.publicKey), running: "1.0.0" });
    }
    // what the rule allows goes ahead
    expect(await rollout(bus, release("2.0.0", { publish: ["telemetry/count"] }), "r-ok")).toMatchObject({ phase: "committed", running: "2.0.0" });
    expect(dev.lines.filter((l) => l.startsWith("log ")).map((l) => l.split(" ")[4])).toEqual(["update:capability:", "update:topic:", "update:publisher:"]);
    // the old version ran on, with its state, until the allowed release took it over
    expect(await dev.quit()).toBe("final 2.0.0 8");
  }, 120_000);

  it("pulls through a lossy link (drops, duplicates, reordering, corrupted chunks)", async () => {
    const bus = new MemoryBus();
    const link = lossyTransport(bus.client(), { seed: 5, drop: 0.2, duplicate: 0.1, reorder: 0.2, corrupt: 0.1, only: "/chunk/" });
    const dev = await startDevice(link, "c-dev");
    expect(await rollout(bus, counterBundle("2.0.0", { size: 6000 }), "r-lossy")).toMatchObject({ phase: "committed", running: "2.0.0" });
    expect(link.stats.dropped + link.stats.corrupted).toBeGreaterThan(0);
    expect(await dev.quit()).toBe("final 2.0.0 8");
  }, 120_000);

  it("resumes a download after a reboot from the chunks already in flash", async () => {
    const bus = new MemoryBus();
    // chunks stop after the third one reaches the device, until the reboot
    let pass = 3;
    const gate: OtaTransport = {
      publish: (t, p, o) => bus.client().publish(t, p, o),
      subscribe: (f, h) => bus.client().subscribe(f, (t, p) => (!t.includes("/chunk/") || pass-- > 0 ? h(t, p) : undefined)),
    };
    const dev = await startDevice(gate, "c-dev");
    const ctl = await RolloutController.create(bus.client(), "plant-1", counterBundle("2.0.0", { size: 6000 }), { target: "device:c-dev", canaryPercent: 100, haltOnPercent: 100, waves: 1, id: "r-boot" }, fast);
    const done = ctl.run();
    for (let t = 0; dev.lines.filter((l) => l.includes("/get/")).length < 3; t++) {
      if (t > 500) throw new Error(`the device did not ask for chunks:\n${dev.lines.map((l) => l.slice(0, 100)).join("\n")}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    await new Promise((r) => setTimeout(r, 300));
    pass = Infinity;
    dev.reboot();
    const late = new Promise((_, reject) => setTimeout(() => reject(new Error(`no outcome:\n${dev.lines.map((l) => l.slice(0, 100)).join("\n")}`)), 40_000));
    await Promise.race([done, late]);
    expect(ctl.progress().statuses.get("c-dev")).toMatchObject({ phase: "committed", running: "2.0.0" });
    // after the reboot the device asked only for chunks it did not have
    const asked = dev.lines.filter((l) => l.includes("/get/"));
    expect(asked.length).toBeGreaterThan(3);
    // the reboot restored the state saved before it (5), which the install handed over
    expect(await dev.quit()).toBe("final 2.0.0 5");
  }, 120_000);
});
