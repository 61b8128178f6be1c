// Every model on every reference input: output == TFLM's golden output, byte for byte, through the
// wasm core on V8, through the NPU path (all operators on the NPU) and a mixed CPU/NPU split.
import { beforeAll, describe, expect, it } from "vitest";
import { compileModel, decodeCompiledModel, encodeCompiledModel, ModelService, type NpuUnit } from "../../host/tinyml/index.ts";
import { golden, input, inputsOf, MODEL_NAMES, modelFile } from "./fixtures.ts";

const ALL_OPS: NpuUnit = {
  id: "npu-all",
  ops: ["CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED", "AVERAGE_POOL_2D", "MAX_POOL_2D", "ADD", "SOFTMAX", "RESHAPE"],
  macsPerCycle: 64,
  mhz: 50,
  energyPerMacPj: 1,
};
// Like a CNN accelerator: convolutions and pooling, but SOFTMAX and RESHAPE stay on the CPU.
const CNN_ONLY: NpuUnit = { ...ALL_OPS, id: "cnn0", ops: ["CONV_2D", "DEPTHWISE_CONV_2D", "AVERAGE_POOL_2D", "ADD"] };

describe("golden outputs", () => {
  let cpu: ModelService;
  let npu: ModelService;
  let mixed: ModelService;
  beforeAll(async () => {
    cpu = await ModelService.create();
    npu = await ModelService.create({ npu: ALL_OPS });
    mixed = await ModelService.create({ npu: CNN_ONLY });
    for (const name of MODEL_NAMES) {
      // Through the binary form, as a device would receive it.
      const bytes = encodeCompiledModel(compileModel(modelFile(name)));
      cpu.register(name, bytes);
      npu.register(name, decodeCompiledModel(bytes));
      mixed.register(name, bytes);
    }
  });

  for (const name of MODEL_NAMES) {
    for (const id of inputsOf(name)) {
      it(`${id}: wasm core == golden`, () => {
        const out = new Uint8Array(golden(id).length);
        const r = cpu.invoke(name, input(id), out);
        expect(r.unit).toBe("cpu");
        expect(r.bytes).toBe(out.length);
        expect(Buffer.from(out).equals(Buffer.from(golden(id)))).toBe(true);
      });
      it(`${id}: NPU path == CPU path == golden`, () => {
        const a = new Uint8Array(golden(id).length);
        const b = new Uint8Array(golden(id).length);
        const r = npu.invoke(name, input(id), a);
        expect(r.unit).toBe("npu");
        expect(r.costs.map((c) => c.unit)).toEqual(["npu"]);
        mixed.invoke(name, input(id), b);
        expect(Buffer.from(a).equals(Buffer.from(golden(id)))).toBe(true);
        expect(Buffer.from(b).equals(Buffer.from(golden(id)))).toBe(true);
      });
    }
  }

  it("accounts time and energy per compute unit", () => {
    const out = new Uint8Array(12);
    const r = mixed.invoke("kws", input("kws_sample"), out);
    const n = r.costs.find((c) => c.unit === "npu")!;
    const c = r.costs.find((c) => c.unit === "cpu")!;
    expect(n.macs + c.macs).toBe(2656768);
    expect(n.cycles).toBeGreaterThanOrEqual(n.macs / 64);
    expect(n.cycles).toBeLessThan(n.macs / 64 + n.ops);
    expect(n.timeUs).toBeCloseTo(n.cycles / 50, 6);
    expect(n.energyUj).toBeCloseTo((n.macs * 1) / 1e6, 9);
    expect(c.ops).toBe(3); // AVERAGE_POOL_2D is on the NPU; RESHAPE, FULLY_CONNECTED, SOFTMAX are not
    const forcedCpu = mixed.invoke("kws", input("kws_sample"), out, "cpu");
    expect(forcedCpu.unit).toBe("cpu");
  });
});
