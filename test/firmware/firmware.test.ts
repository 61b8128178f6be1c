// The C firmware under QEMU: both ports boot and run shipped agents, runaway and
// trapping agents are stopped by their budgets, and native output equals V8's.
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { V8Engine } from "../../host/engines/index.ts";
import { RecordingActuator } from "../../host/hal/index.ts";
import { buildFirmware, parseFirmwareOutput, runQemu, TARGETS, wasm3Dir, type FirmwareEngine, type FirmwareOutput } from "../../host/firmware/index.ts";
import { loadPolicy, PolicyGate } from "../../host/governance/index.ts";
import { Device, LocalBus, loadBoard, parseManifest, VirtualClock } from "../../host/kernel/index.ts";
import { buildAllAgents, FirmwareAccel, missingTools, OUT, ROOT, TEST_AGENTS, testAgent } from "./helpers.ts";

const TOOLS = ["wasm2c", "arm-none-eabi-gcc", "qemu-system-arm", "riscv64-unknown-elf-gcc", "qemu-system-riscv32"];
const missing = missingTools(TOOLS);

// wasm3 runs only where its sources are (WASM3_DIR); it is not required under CI
const ENGINES: FirmwareEngine[] = wasm3Dir() ? ["native", "wasm3"] : ["native"];

async function buildAndRun(board: string, agents: Parameters<typeof buildFirmware>[0]["agents"], events: number, tag: string, engine: FirmwareEngine = "native", policy?: string) {
  const out = path.join(OUT, `${tag}-${engine}`);
  const built = await buildFirmware({ root: ROOT, board, agents, events, out, engine, ...(policy !== undefined ? { policy } : {}) });
  const run = await runQemu({ board, elf: built.elf, timeoutMs: 30_000 });
  return { built, run, output: parseFirmwareOutput(run.stdout) };
}

/** The same agents on host/kernel's Device (V8) with the firmware's accel0, for `untilMs` of virtual time. */
function runInV8(names: (string | { name: string; dir: string })[], untilMs: number, gate?: PolicyGate): { agent: string; topic: string; body: string }[] {
  const clock = new VirtualClock();
  const bus = new LocalBus(clock, 1);
  const published: { agent: string; topic: string; body: string }[] = [];
  bus.subscribe("#", (m) => published.push({ agent: m.from.split("/")[1]!, topic: m.topic.replace(/^colony\/lab\//, ""), body: Buffer.from(m.body).toString("hex") }));
  const device = new Device({ id: "v8", site: "lab", board: loadBoard("mps2-an386"), clock, bus, engine: new V8Engine(), sensors: [new FirmwareAccel()], actuators: [new RecordingActuator("valve0")], ...(gate ? { gate } : {}) });
  for (const entry of names) {
    const n = typeof entry === "string" ? entry : entry.name;
    const dir = typeof entry === "string" ? path.join(ROOT, "build/agents") : entry.dir;
    device.install(new Uint8Array(readFileSync(path.join(dir, `${n}.wasm`))), parseManifest(readFileSync(path.join(dir, `${n}.json`), "utf8"), n));
  }
  clock.runUntil(untilMs + 5); // the bus delivers 1 ms after a publish
  return published;
}

function perAgent(list: { agent: string; topic: string; body: string }[], agent: string): string[] {
  return list.filter((p) => p.agent === agent).map((p) => `${p.topic} ${p.body}`);
}

describe.skipIf(missing.length > 0)("firmware under QEMU", () => {
  beforeAll(buildAllAgents, 120_000);

  for (const board of ["mps2-an386", "esp32-c3"]) {
    it(`${board}: shipped agents run N events, print metrics, exit 0`, async () => {
      const { run, output } = await buildAndRun(board, ["heartbeat", "vibration-monitor"], 40, `${board}-ship`);
      expect(run.code, run.stdout + run.stderr).toBe(0);
      expect(output.exit).toEqual({ events: 40, reason: "events" });
      const hb = output.metrics.get("heartbeat")!;
      const vm = output.metrics.get("vibration-monitor")!;
      expect(hb.status).toBe("running");
      expect(vm.status).toBe("running");
      expect((hb.events as number) + (vm.events as number)).toBe(40);
      expect(hb.published).toBeGreaterThan(0);
      expect(vm.faults).toBe(0);
      expect(vm.fuel_used).toBeGreaterThan(0);
      expect(vm.fuel_max as number).toBeLessThanOrEqual(200_000);
      expect(output.published.some((p) => p.agent === "vibration-monitor" && p.topic === "event/anomaly")).toBe(true);
    }, 120_000);
  }

  it.each(ENGINES)("%s: a looping and a trapping agent are stopped by their budgets; the firmware keeps running and exits 0", async (engine) => {
    const { run, output } = await buildAndRun("mps2-an386", ["heartbeat", testAgent("spinner"), testAgent("crasher")], 30, "faults", engine);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    const kinds = (a: string) => output.faults.filter((f) => f.agent === a).map((f) => f.kind);
    expect(kinds("spinner")).toEqual(["fuel", "fuel", "fuel"]);
    expect(kinds("crasher")).toEqual(["trap", "trap", "trap"]);
    expect(output.faults.find((f) => f.agent === "crasher")!.message).toMatch(/out.of.bounds/);
    expect(output.quarantined.sort()).toEqual(["crasher", "spinner"]);
    const sp = output.metrics.get("spinner")!;
    expect(sp).toMatchObject({ status: "quarantined", faults: 3, fuel_exhausted: 3, restarts: 2, lastFault: "fuel" });
    expect(output.metrics.get("crasher")).toMatchObject({ status: "quarantined", faults: 3, restarts: 2, lastFault: "trap" });
    expect(output.metrics.get("heartbeat")).toMatchObject({ status: "running", faults: 0 });
    expect(output.exit?.events).toBe(30);
  }, 120_000);

  it.each(ENGINES)("%s: the same agents publish the same bodies on the device (QEMU) and in V8", async (engine) => {
    // the responder hears the monitor's anomaly on the device's own bus, closes valve0 and acks
    const agents = ["heartbeat", "vibration-monitor", "responder"];
    const { run, output } = await buildAndRun("mps2-an386", agents, 70, "same", engine);
    expect(run.code).toBe(0);
    expect(output.metrics.get("responder")).toMatchObject({ received: 1, published: 1 });
    expect(run.stdout).toMatch(/act responder valve0 a166616374696f6e65636c6f7365/);
    const endMs = Number(/time=(\d+)/.exec(run.stdout)![1]);
    const v8 = runInV8(agents, endMs);
    const native: FirmwareOutput["published"] = output.published;
    for (const agent of agents) {
      expect(perAgent(native, agent).length).toBeGreaterThan(0);
      expect(perAgent(native, agent)).toEqual(perAgent(v8, agent));
    }
  }, 120_000);
});

describe.skipIf(missing.length > 0)("the site policy on the device", () => {
  beforeAll(buildAllAgents, 120_000);
  it("refuses, rate-limits and keeps on the device what the host kernel does, and counts the same", async () => {
    // the monitor reads raw vibration: its anomaly may not leave the device, but event/# is
    // local-only, so the responder on the same device still hears it and closes the valve (its
    // ack stays on the device too); the heartbeat is cut to one beat in two
    const file = path.join(OUT, "lab-policy.yaml");
    mkdirSync(OUT, { recursive: true });
    writeFileSync(file, ["site: lab", "dataClasses: { accel0: raw }", "egress: [public, derived]", "localOnly: [event/#]", "rateLimits:", "  - { agent: heartbeat, topic: presence/#, perSecond: 0.5, burst: 1 }", "actuators:", "  valve0: { rule: first, priorities: {}, holdMs: 1000 }", ""].join("\n"));
    const agents = ["heartbeat", "vibration-monitor", "responder"];
    const { run, output } = await buildAndRun("mps2-an386", agents, 70, "policy", "native", file);
    expect(run.code, run.stdout).toBe(0);
    const gate = new PolicyGate(loadPolicy(file));
    const endMs = Number(/time=(\d+)/.exec(run.stdout)![1]);
    const v8 = runInV8(agents, endMs, gate);
    // what left the device is what left the host kernel's device
    for (const agent of agents) expect(perAgent(output.published, agent), agent).toEqual(perAgent(v8, agent));
    expect(output.local.map((p) => `${p.agent} ${p.topic}`)).toEqual(["vibration-monitor event/anomaly", "responder event/ack"]);
    expect(output.metrics.get("responder")).toMatchObject({ received: 1, published: 1 });
    expect(run.stdout).toMatch(/act responder valve0 a166616374696f6e65636c6f7365/);
    const beats = output.refusals.filter((r) => r.agent === "heartbeat");
    expect(beats.length).toBeGreaterThan(0);
    expect(beats[0]).toEqual({ agent: "heartbeat", reason: "rate:presence/#", text: 'site policy: more than 0.5/s on "presence/#" (burst 1)' });
    expect(output.policy).toEqual({ checked: gate.checks, refused: gate.refused });
    expect(output.metrics.get("heartbeat")!.refused).toBe(beats.length);
  }, 120_000);

  it("a policy file with a mistake is refused at build time, naming the line", async () => {
    const file = path.join(OUT, "bad-policy.yaml");
    writeFileSync(file, "site: lab\ndataClasses:\n  accel0: loud\n");
    await expect(buildFirmware({ root: ROOT, board: "mps2-an386", agents: ["heartbeat"], events: 1, out: path.join(OUT, "bad-policy"), policy: file })).rejects.toThrow(/bad-policy\.yaml:3: dataClasses\.accel0: a data class is one of public, derived, raw/);
  });
});

describe.skipIf(missing.length > 0)("state, random, log and sensor watches", () => {
  beforeAll(buildAllAgents, 120_000);
  it("behave on the device as in V8", async () => {
    const { run, output } = await buildAndRun("mps2-an386", [testAgent("keeper")], 12, "keeper");
    expect(run.code, run.stdout).toBe(0);
    expect(output.metrics.get("keeper")).toMatchObject({ status: "running", events: 12, faults: 0, published: 12 });
    expect(run.stdout).toContain("log keeper 1 keeper 12.0");
    const endMs = Number(/time=(\d+)/.exec(run.stdout)![1]);
    const v8 = runInV8([{ name: "keeper", dir: TEST_AGENTS }], endMs);
    expect(perAgent(output.published, "keeper")).toEqual(perAgent(v8, "keeper"));
  }, 120_000);
});

describe.skipIf(missing.length > 0)("a fault of the firmware itself", () => {
  // Cortex-M: our fault handlers exit 3; RISC-V: picolibc's crt0 reports the fault and exits 1
  it.each([
    ["mps2-an386", 3, "firmware fault", [path.join(ROOT, "boards/cortex-m/startup.c")]],
    ["esp32-c3", 1, "RISCV fault", []],
  ] as const)("ends the %s QEMU run with a non-zero exit code", async (board, code, text, extra) => {
    const t = TARGETS[board]!;
    const elf = path.join(OUT, `hardfault-${board}.elf`);
    mkdirSync(OUT, { recursive: true });
    execFileSync(t.cc, [...t.cflags, ...extra, path.join(ROOT, "test/firmware/fixtures/hardfault.c"), ...t.ldflags(ROOT), "-o", elf]);
    const run = await runQemu({ board, elf, timeoutMs: 20_000 });
    expect(run.timedOut).toBe(false);
    expect(run.code).toBe(code);
    expect(run.stdout + run.stderr).toContain(text);
  }, 60_000);
});
