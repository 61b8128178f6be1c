// Shared setup for kernel tests: build the test agents once, make devices on one clock.
import { readFileSync } from "node:fs";
import path from "node:path";
import { buildAgents } from "../../host/compile/index.ts";
import { V8Engine } from "../../host/engines/index.ts";
import { RecordingActuator, WaveformSensor } from "../../host/hal/index.ts";
import { Device, LocalBus, loadBoard, parseManifest, TraceLog, VirtualClock, type Manifest } from "../../host/kernel/index.ts";

export const ROOT = path.resolve(import.meta.dirname, "../..");
export const TEST_AGENTS_OUT = path.join(ROOT, "build/test-agents");

export interface AgentFiles {
  wasm: Uint8Array;
  manifest: Manifest;
}

/** Builds test/kernel/agents and the shipped agents; vitest's global setup calls it once per run. */
export async function buildTestAgents(): Promise<void> {
  await buildAgents({ root: ROOT, agentsDir: "test/kernel/agents", outDir: TEST_AGENTS_OUT, unmetered: true });
  await buildAgents({ root: ROOT, unmetered: true });
}

export function agentFiles(name: string): AgentFiles {
  for (const dir of [TEST_AGENTS_OUT, path.join(ROOT, "build/agents")]) {
    try {
      const wasm = new Uint8Array(readFileSync(path.join(dir, `${name}.wasm`)));
      return { wasm, manifest: parseManifest(readFileSync(path.join(dir, `${name}.json`), "utf8"), name) };
    } catch {
      /* try the next directory */
    }
  }
  throw new Error(`test agent ${name} is not built`);
}

export function world(seed = 1) {
  const clock = new VirtualClock();
  const bus = new LocalBus(clock, 1);
  const log = new TraceLog();
  const engine = new V8Engine();
  const device = (id: string, board = "esp32-devkitc", extra: { sensors?: string[]; actuators?: string[] } = {}) =>
    new Device({
      id,
      site: "test",
      board: loadBoard(board),
      clock,
      bus,
      engine,
      seed,
      sensors: (extra.sensors ?? []).map((a) => new WaveformSensor(a, { rateHz: 100, tones: [[5, 1]], noise: 0.01 }, seed)),
      actuators: (extra.actuators ?? []).map((a) => new RecordingActuator(a)),
      trace: log.sink,
    });
  return { clock, bus, log, engine, device };
}
