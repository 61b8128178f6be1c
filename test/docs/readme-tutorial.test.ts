// The README's tutorial agent builds and runs as the README says.
import { mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { buildAgents } from "../../host/compile/index.ts";
import { V8Engine } from "../../host/engines/index.ts";
import { WaveformSensor } from "../../host/hal/index.ts";
import { Device, LocalBus, loadBoard, parseManifest, TraceLog, VirtualClock } from "../../host/kernel/index.ts";

const ROOT = path.resolve(import.meta.dirname, "../..");

describe("README tutorial", () => {
  it("the temperature-alarm agent builds, loads and publishes when it gets hot", async () => {
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
    const clock = new VirtualClock();
    const log = new TraceLog();
    const device = new Device({
      id: "d", site: "s", board: loadBoard("esp32-devkitc"), clock, bus: new LocalBus(clock), engine: new V8Engine(), trace: log.sink,
      sensors: [new WaveformSensor("temp0", { rateHz: 10, offset: 60, faults: [{ atMs: 5000, offset: 25 }] }, 1)],
    });
    const agent = device.install(new Uint8Array(readFileSync(built!.wasmPath)), parseManifest(json, "README"));
    clock.runUntil(10_000);
    expect(agent.status).toBe("running");
    const pubs = log.events.filter((e) => e.type === "publish");
    expect(pubs.map((p) => p.t)).toEqual([6000]);
  });
});
