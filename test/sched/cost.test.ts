// The cost model per (model, unit): operator placement and accelerator figures agree with what the
// model service does when it really runs each model, and the CPU figure agrees with the instructions
// the TinyML core takes on the firmware under QEMU.
import { describe, expect, it } from "vitest";
import { hasTool } from "../../host/firmware/index.ts";
import { loadBoard } from "../../host/kernel/index.ts";
import { acceleratorUnit, CORE_CYCLES_PER_MAC, inferenceCost, unitsOf, UnitError } from "../../host/sched/index.ts";
import { ModelService } from "../../host/tinyml/index.ts";
import { MODEL_NAMES, model, sampleInput } from "./models.ts";

describe("compute units from the board profiles", () => {
  it("reads CPU, DSP and NPU with their op coverage, throughput and power", () => {
    const max = unitsOf(loadBoard("max78000"));
    expect(max.map((u) => [u.id, u.kind])).toEqual([["cpu0", "cpu"], ["cnn0", "npu"]]);
    expect(max[1]!.ops!.has("CONV_2D")).toBe(true);
    expect(max[1]!.cyclesPerMac).toBe(1 / 64);
    expect(max[1]!.weightBytes).toBe(442368);
    const s3 = unitsOf(loadBoard("esp32-s3"));
    expect(acceleratorUnit(s3)!.kind).toBe("dsp");
    expect(acceleratorUnit(unitsOf(loadBoard("esp32-c3")))).toBeUndefined();
    expect(max[0]!.cyclesPerMac).toBe(CORE_CYCLES_PER_MAC);
  });

  it("refuses an accelerator without its figures, naming the unit", () => {
    const b = loadBoard("max78000");
    const broken = { ...b, compute: [b.compute[0]!, { ...b.compute[1]!, macsPerCycle: undefined }] };
    expect(() => unitsOf(broken)).toThrow(UnitError);
    expect(() => unitsOf(broken)).toThrow(/cnn0 \(npu\) needs ops, macsPerCycle/);
  });
});

describe("cost per (model, unit)", () => {
  it.each(MODEL_NAMES)("%s: the NPU share and its energy are what the model service accounts when it runs the model", async (name) => {
    const board = loadBoard("max78000");
    const [cpu, npu] = unitsOf(board);
    const m = model(name);
    const cost = inferenceCost(name, m, npu!, cpu!);
    const svc = await ModelService.create({ npu: board.compute[1] as never, cpu: { mhz: cpu!.mhz, activeMw: cpu!.activeMw } });
    svc.register(name, m);
    const out = new Uint8Array(m.summary.output.bytes);
    const run = svc.invoke(name, sampleInput(name), out);
    const onNpu = run.costs.find((c) => c.unit === "npu");
    expect(cost.macsOnUnit).toBe(onNpu?.macs ?? 0);
    expect(cost.opsOnUnit).toBe(onNpu?.ops ?? 0);
    expect(cost.opsOnUnit + cost.opsOnCpu).toBe(m.ops.length);
    expect(cost.macs).toBe(run.macs);
    expect(cost.energyUj).toBeGreaterThanOrEqual((onNpu?.energyUj ?? 0) * (1 - 1e-9));
    // the CPU alone is slower and dearer than the accelerator for every model with convolutions
    const onCpu = inferenceCost(name, m, cpu!, cpu!);
    expect(onCpu.opsOnCpu).toBe(0);
    expect(onCpu.opsOnUnit).toBe(m.ops.length);
    if (cost.macsOnUnit > m.summary.macs / 2) {
      expect(onCpu.timeUs).toBeGreaterThan(cost.timeUs * 10);
      expect(onCpu.energyUj).toBeGreaterThan(cost.energyUj);
    }
  });

  it("scales CPU time with the clock: the same model takes 240/100 times longer at 100 MHz than at 240", () => {
    const [c3] = unitsOf(loadBoard("esp32-devkitc"));
    const [m4] = unitsOf(loadBoard("max78000"));
    const a = inferenceCost("kws", model("kws"), c3!, c3!);
    const b = inferenceCost("kws", model("kws"), m4!, m4!);
    expect(a.cycles).toBe(b.cycles);
    expect(b.timeUs / a.timeUs).toBeCloseTo(240 / 100, 6);
  });
});

const FIRMWARE_TOOLS = ["wasm2c", "arm-none-eabi-gcc", "qemu-system-arm"];
const missing = FIRMWARE_TOOLS.filter((t) => !hasTool(t));
if (missing.length && process.env.CI) throw new Error(`test/sched/cost.test.ts needs ${missing.join(", ")} (scripts/install-system-deps.sh)`);

describe.skipIf(missing.length > 0)("the CPU cost against the firmware", () => {
  it("KWS on mps2-an386 (QEMU -icount): the core's measured instructions per MAC are within 3% of the model's figure", async () => {
    const { kwsOnFirmware } = await import("../../bench/firmware.ts");
    const measured = await kwsOnFirmware();
    expect(measured.equal).toBe(true);
    const [cpu] = unitsOf(loadBoard("mps2-an386"));
    const predicted = inferenceCost("kws", model("kws"), cpu!, cpu!).cycles;
    expect(Math.abs(predicted - measured.instructions) / measured.instructions).toBeLessThan(0.03);
  }, 120_000);
});
