// Per-operator checks against TFLM's intermediate outputs: the core run one operator at a time,
// and each host (NPU) kernel alone on the core's own input bytes.
import { beforeAll, describe, expect, it } from "vitest";
import { compileModel, CoreInstance, type CompiledModel } from "../../host/tinyml/index.ts";
import { runOnNpu } from "../../host/tinyml/npu/npu.ts";
import { input, LAYER_INPUT, layer, MODEL_NAMES, modelFile } from "./fixtures.ts";

describe("per-operator outputs", () => {
  for (const name of MODEL_NAMES) {
    const id = LAYER_INPUT[name];
    let model: CompiledModel;
    let core: CoreInstance;
    beforeAll(async () => {
      model = compileModel(modelFile(name));
      core = await CoreInstance.create(model);
    });
    it(`${id}: every operator of the core, and the NPU kernel for it, matches TFLM`, () => {
      core.setInput(input(id));
      for (let k = 0; k < model.ops.length; k++) {
        const op = model.ops[k]!;
        const want = layer(id, k);
        expect(want, `layers/${id}.op${k}`).not.toBeNull();
        // The NPU kernel first, into a scratch copy of the output, on the same input bytes.
        const out = op.outputs[0]!;
        const scratch = new Uint8Array(core.tensor(out).length);
        runOnNpu(model, op, (t) => (t === out ? scratch : core.tensor(t)));
        core.invokeOp(k);
        const got = core.tensor(out);
        expect(Buffer.from(got).equals(Buffer.from(want!)), `core: operator ${k} ${op.name}`).toBe(true);
        expect(Buffer.from(scratch).equals(Buffer.from(want!)), `npu: operator ${k} ${op.name}`).toBe(true);
      }
    });
  }
});
