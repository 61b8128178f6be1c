// The README's tutorial agent builds and runs as the README says: the `colony run`
// command it gives, with its shaped sensor, shows the alarm firing once.
import { execFile } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { buildAgents } from "../../host/compile/index.ts";
import { V8Engine } from "../../host/engines/index.ts";
import { WaveformSensor } from "../../host/hal/index.ts";
import { Device, LocalBus, loadBoard, parseManifest, TraceLog, VirtualClock } from "../../host/kernel/index.ts";

const ROOT = path.resolve(import.meta.dirname, "../..");
const run = promisify(execFile);

async function buildTutorial(): Promise<{ wasm: string; json: string; readme: string }> {
  const readme = readFileSync(path.join(ROOT, "README.md"), "utf8");
  const ts = /```ts\n\/\/ assembly\/agents\/temperature-alarm\.ts\n([\s\S]*?)```/.exec(readme)![1]!;
  const json = /```json\n(\{\s*"name": "temperature-alarm"[\s\S]*?)```/.exec(readme)![1]!;
  const dir = path.join(ROOT, "build/tutorial");
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(path.join(dir, "assembly/agents"), { recursive: true });
  symlinkSync(path.join(ROOT, "assembly/sdk"), path.join(dir, "assembly/sdk"));
  writeFileSync(path.join(dir, "assembly/agents/temperature-alarm.ts"), ts);
  writeFileSync(path.join(dir, "assembly/agents/temperature-alarm.json"), json);
  const [built] = await buildAgents({ root: dir, outDir: path.join(dir, "out") });
  return { wasm: built!.wasmPath, json, readme };
}

describe("README tutorial", () => {
  it("the temperature-alarm agent builds, loads and publishes when it gets hot", async () => {
    const { wasm, json } = await buildTutorial();
    const clock = new VirtualClock();
    const log = new TraceLog();
    const device = new Device({
      id: "d", site: "s", board: loadBoard("esp32-devkitc"), clock, bus: new LocalBus(clock), engine: new V8Engine(), trace: log.sink,
      sensors: [new WaveformSensor("temp0", { rateHz: 10, offset: 60, faults: [{ atMs: 5000, offset: 25 }] }, 1)],
    });
    const agent = device.install(new Uint8Array(readFileSync(wasm)), parseManifest(json, "README"));
    clock.runUntil(10_000);
    expect(agent.status).toBe("running");
    const pubs = log.events.filter((e) => e.type === "publish");
    expect(pubs.map((p) => p.t)).toEqual([6000]);
  });

  it("the README's `colony run` command shows the alarm firing once, with its message", async () => {
    const { wasm, readme } = await buildTutorial();
    const cmd = /npx colony run build\/agents\/temperature-alarm\.wasm (.*)/.exec(readme)![1]!.trim().split(/\s+/);
    expect(cmd).toContain("--sensor"); // the tutorial shapes the sensor, or the alarm could never fire
    const text = await run(process.execPath, [path.join(ROOT, "bin/colony.js"), "run", wasm, ...cmd], { cwd: ROOT });
    const published = text.stdout.split("\n").filter((l) => /publish\s+event\/temperature/.test(l));
    expect(published).toHaveLength(1);
    expect(published[0]).toMatch(/\{celsius: 7\d(\.\d+)?, hot: true\}/);
    // the line the README quotes is the one the command prints
    const quoted = /```\n(\s+[\d.]+ s\s+publish\s+event\/temperature[^\n]*)\n```/.exec(readme)![1]!;
    expect(published[0]!.trim()).toBe(quoted.trim());
    expect(text.stdout).toMatch(/temperature-alarm on esp32-devkitc: running, 30 events in 30\.000 s, .* 1 published/);
    const j = await run(process.execPath, [path.join(ROOT, "bin/colony.js"), "run", wasm, ...cmd, "--json"], { cwd: ROOT });
    const out = JSON.parse(j.stdout) as { trace: { type: string; data?: { body?: { celsius: number; hot: boolean } } }[] };
    const pub = out.trace.filter((e) => e.type === "publish");
    expect(pub).toHaveLength(1);
    expect(pub[0]!.data!.body!.hot).toBe(true);
    expect(pub[0]!.data!.body!.celsius).toBeGreaterThan(70);
  });
});
