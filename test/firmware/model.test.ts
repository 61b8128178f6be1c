// model_invoke on the firmware: the TinyML core through wasm2c and the KWS model embedded in flash
// give TFLM's golden output under QEMU (Cortex-M4 and rv32), the same bodies as the agent publishes
// in V8, and the host's results for a refused model, a wrong input length and a small output buffer.
import { decode } from "cbor-x";
import { readFileSync } from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { buildAgents } from "../../host/compile/index.ts";
import { V8Engine } from "../../host/engines/index.ts";
import { buildFirmware, parseFirmwareOutput, runQemu, wasm3Dir, type AgentInput, type FirmwareEngine } from "../../host/firmware/index.ts";
import { Device, LocalBus, loadBoard, parseManifest, VirtualClock } from "../../host/kernel/index.ts";
import { compileModel, ModelService } from "../../host/tinyml/index.ts";
import { missingTools, OUT, ROOT } from "./helpers.ts";

const TOOLS = ["wasm2c", "arm-none-eabi-gcc", "qemu-system-arm", "riscv64-unknown-elf-gcc", "qemu-system-riscv32"];
const missing = missingTools(TOOLS);
const AGENTS = path.join(ROOT, "build/firmware-model-agents");
const agent = (name: string): AgentInput => ({ name, wasmPath: path.join(AGENTS, `${name}.wasm`), manifestPath: path.join(AGENTS, `${name}.json`) });
const MODELER = agent("modeler");
const golden = (id: string) => new Uint8Array(readFileSync(path.join(ROOT, "test/fixtures/tinyml/golden", `${id}.tflm.out.bin`)));

/** The modeler on host/kernel's Device (V8) with the simulator's model service, until `untilMs`. */
async function runInV8(untilMs: number): Promise<string[]> {
  const clock = new VirtualClock();
  const bus = new LocalBus(clock, 1);
  const svc = await ModelService.create();
  svc.register("kws", compileModel(new Uint8Array(readFileSync(path.join(ROOT, "models/kws.tflite")))));
  const published: string[] = [];
  bus.subscribe("#", (m) => published.push(`${m.topic.replace(/^colony\/lab\//, "")} ${Buffer.from(m.body).toString("hex")}`));
  const device = new Device({
    id: "v8", site: "lab", board: loadBoard("mps2-an386"), clock, bus, engine: new V8Engine(),
    models: { invoke: (_agent, name, input, output) => svc.invokeAbi(name, input, output) },
  });
  device.install(new Uint8Array(readFileSync(MODELER.wasmPath)), parseManifest(readFileSync(MODELER.manifestPath, "utf8"), "modeler"));
  clock.runUntil(untilMs + 5); // the bus delivers 1 ms after a publish
  return published;
}

describe.skipIf(missing.length > 0)("model_invoke on the firmware", () => {
  beforeAll(() => buildAgents({ root: ROOT, agentsDir: "test/firmware/agents", outDir: AGENTS, only: ["modeler", "deepmodel"] }), 120_000);

  // the agent interpreted by wasm3 (where WASM3_DIR has its sources) calls the same native core
  const cases: [string, FirmwareEngine][] = [["mps2-an386", "native"], ["esp32-c3", "native"], ...(wasm3Dir() ? [["mps2-an386", "wasm3"] as [string, FirmwareEngine]] : [])];
  for (const [board, engine] of cases) {
    it(`${board} (${engine}): KWS gives TFLM's golden output, the host's error codes, and the same bodies as in V8`, async () => {
      const built = await buildFirmware({ root: ROOT, board, engine, agents: [MODELER], events: 4, out: path.join(OUT, `model-${board}-${engine}`) });
      expect(built.models.map((m) => [m.name, m.inputBytes, m.outputBytes])).toEqual([["kws", 490, 12]]);
      const run = await runQemu({ board, elf: built.elf, timeoutMs: 60_000 });
      expect(run.code, run.stdout + run.stderr).toBe(0);
      const out = parseFirmwareOutput(run.stdout);
      const bodies = out.published.map((p) => decode(Buffer.from(p.body, "hex")) as Record<string, unknown>);
      expect(bodies).toHaveLength(3);
      expect(bodies[0]!.n).toBe(12);
      expect(new Uint8Array(bodies[0]!.output as Uint8Array)).toEqual(golden("kws_sample"));
      // wrong input length -1, output buffer too small -4, an ungranted model refused -3: as host/kernel answers
      expect(bodies[1]).toEqual({ badInput: -1, smallOutput: -4, denied: -3 });
      expect(run.stdout).toContain('refused modeler model "vww"');
      expect(new Uint8Array(bodies[2]!.output as Uint8Array)).toEqual(golden("kws_zeros"));
      // loaded once, on first use; the second inference reuses it
      expect([...run.stdout.matchAll(/^model modeler kws bytes=12 ticks=\d+ loads=(\d+)/gm)].map((m) => m[1])).toEqual(["1", "1"]);
      // a bad output pointer traps the agent, not the firmware
      expect(out.faults).toEqual([{ agent: "modeler", kind: "trap", message: "timer: model_invoke output: out-of-bounds memory access" }]);
      expect(out.metrics.get("modeler")).toMatchObject({ events: 4, faults: 1, refused: 1, published: 3 });

      const endMs = Number(/time=(\d+)/.exec(run.stdout)![1]);
      expect(out.published.map((p) => `${p.topic} ${p.body}`)).toEqual(await runInV8(endMs));
    }, 180_000);
  }

  for (const board of ["mps2-an386", "esp32-c3"]) {
    it(`${board}: a trap inside the core (call stack exhausted) is that call's -1; the agent and the firmware go on`, async () => {
      const built = await buildFirmware({ root: ROOT, board, agents: [agent("deepmodel")], events: 1, out: path.join(OUT, `model-deep-${board}`) });
      const run = await runQemu({ board, elf: built.elf, timeoutMs: 120_000 });
      expect(run.code, run.stdout + run.stderr).toBe(0);
      const out = parseFirmwareOutput(run.stdout);
      const body = decode(Buffer.from(out.published[0]!.body, "hex")) as Record<string, unknown>;
      expect(body.trapped).toBe(-1);
      expect(run.stdout).toContain("model deepmodel kws failed: call stack exhausted");
      // the next call, from the top, gets a fresh core instance (a second load) and the golden output
      expect(body.after).toBe(12);
      expect(new Uint8Array(body.output as Uint8Array)).toEqual(golden("kws_zeros"));
      expect(run.stdout).toMatch(/^model deepmodel kws bytes=12 ticks=\d+ loads=2 /m);
      expect(out.faults).toEqual([]);
      expect(out.metrics.get("deepmodel")).toMatchObject({ status: "running", faults: 0, published: 1 });
    }, 180_000);
  }

  it("refuses to build when a granted model has no .tflite", async () => {
    await expect(
      buildFirmware({ root: ROOT, board: "mps2-an386", agents: [MODELER], events: 1, out: path.join(OUT, "model-missing"), models: { kws: path.join(ROOT, "models/none.tflite") } }),
    ).rejects.toThrow(/model "kws" is granted but .*none\.tflite does not exist/);
  }, 60_000);
});
