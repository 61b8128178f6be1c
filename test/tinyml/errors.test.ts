// Bad input: truncated or corrupted .tflite, unsupported operators and types, corrupt compiled models,
// wrong input lengths, unknown models, a model too large for the board. Each a ModelError, never a trap.
import { beforeAll, describe, expect, it } from "vitest";
import {
  checkFitsBoard, compileModel, CoreInstance, decodeCompiledModel, encodeCompiledModel, ModelError, ModelService, readTflite,
} from "../../host/tinyml/index.ts";
import { coreModule } from "../../host/tinyml/core.ts";
import { buildTflite } from "./tflite-builder.ts";
import { input, modelFile } from "./fixtures.ts";

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof ModelError) return err.code;
    throw err;
  }
  return "ok";
}

describe("reader", () => {
  it("reads a hand-built model and the operator code as max(deprecated, builtin)", () => {
    // ADD (0) and QUANTIZE (114 > 127? no: deprecated byte holds 114 too) both resolve.
    const m = readTflite(buildTflite([{ shape: [1, 4] }, { shape: [1, 4] }, { shape: [1, 4] }], [{ code: 0, inputs: [0, 1], outputs: [2] }], [0, 1], [2]));
    expect(m.operators[0]!.name).toBe("ADD");
    const kws = readTflite(modelFile("kws"));
    expect(kws.operators.map((o) => o.name).slice(0, 2)).toEqual(["CONV_2D", "DEPTHWISE_CONV_2D"]);
  });

  it("refuses an unsupported operator by name and index", () => {
    const t = [{ shape: [1, 4] }, { shape: [1, 4] }, { shape: [1, 4] }, { shape: [1, 4] }];
    const bytes = buildTflite(t, [{ code: 0, inputs: [0, 1], outputs: [2] }, { code: 41, inputs: [2, 1], outputs: [3] }], [0, 1], [3]);
    expect(() => compileModel(bytes)).toThrow(/operator 1 SUB \(builtin code 41\) is not supported/);
    // An operator only known by its builtin_code (above 127).
    const big = buildTflite([{ shape: [4] }, { shape: [4] }], [{ code: 151, inputs: [0], outputs: [1] }], [0], [1]);
    expect(() => compileModel(big)).toThrow(/operator 0 BUILTIN_151/);
  });

  it("refuses an unsupported tensor type by tensor", () => {
    const bytes = buildTflite([{ shape: [4], type: 1 }, { shape: [4] }], [{ code: 22, inputs: [0], outputs: [1] }], [0], [1]);
    expect(() => compileModel(bytes)).toThrow(/tensor 0 .* FLOAT16/);
  });

  it("refuses truncated files with a named error", () => {
    const kws = modelFile("kws");
    for (const n of [0, 3, 8, 16, 100, 1000, kws.length >> 1, kws.length - 1000]) {
      const err = (() => { try { compileModel(kws.subarray(0, n)); } catch (e) { return e; } return null; })();
      expect(err, `truncated to ${n}`).toBeInstanceOf(ModelError);
      expect((err as ModelError).code).toBe("corrupt");
    }
  });

  it("refuses a file that is not a TFLite model", () => {
    expect(() => compileModel(new TextEncoder().encode("hello world, not a model"))).toThrow(/bytes 4..7 are "o wo", a .tflite file has "TFL3" there/);
  });

  it("never lets a raw error escape on corrupted bytes", () => {
    const kws = modelFile("kws");
    let seed = 12345;
    const rand = (): number => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
    const seen = new Set<string>();
    for (let i = 0; i < 300; i++) {
      const bad = kws.slice();
      // Corrupt a few bytes in the tables at the start and end of the file (where offsets live).
      for (let j = 0; j < 4; j++) {
        const at = rand() < 0.5 ? Math.floor(rand() * 4096) : kws.length - 1 - Math.floor(rand() * 8192);
        bad[at] = Math.floor(rand() * 256);
      }
      seen.add(codeOf(() => compileModel(bad)));
    }
    expect(seen.has("corrupt")).toBe(true);
  });
});

describe("compiled model", () => {
  it("round-trips through its binary form", () => {
    const m = compileModel(modelFile("ic"));
    const bytes = encodeCompiledModel(m);
    const back = decodeCompiledModel(bytes);
    expect(back.summary.macs).toBe(m.summary.macs);
    expect(back.arenaBytes).toBe(m.arenaBytes);
    expect(back.tensors.map((t) => t.scale)).toEqual(m.tensors.map((t) => t.scale.map((s) => Math.fround(s))));
    expect(encodeCompiledModel(back)).toEqual(bytes);
  });

  it("refuses truncated or corrupt compiled bytes, on the host and in the core", async () => {
    const bytes = encodeCompiledModel(compileModel(modelFile("ad")));
    expect(codeOf(() => decodeCompiledModel(bytes.subarray(0, 100)))).toBe("corrupt");
    expect(codeOf(() => decodeCompiledModel(bytes.subarray(0, 3)))).toBe("corrupt");
    const wrong = bytes.slice();
    wrong[0] = 0;
    expect(codeOf(() => decodeCompiledModel(wrong))).toBe("corrupt");
    // The core checks its own bounds too: an arena offset far outside the arena.
    const m = decodeCompiledModel(bytes);
    m.tensors[m.inputs[0]!]!.arenaOffset = 1 << 30;
    await expect(CoreInstance.create(m)).rejects.toThrow(/outside the model or arena/);
  });

  it("the core checks corrupted tables itself: a refusal or a contained trap, never a hang or a host crash", async () => {
    const module = await coreModule();
    for (const name of ["ad", "kws"] as const) {
      const m = compileModel(modelFile(name));
      const bytes = encodeCompiledModel(m);
      const dv = new DataView(bytes.buffer);
      const tableWords = dv.getInt32(28, true) >> 2;
      let seed = 99;
      const rand = (n: number): number => ((seed = (seed * 1103515245 + 12345) >>> 0) % n);
      const outcomes = new Set<string>();
      for (let i = 0; i < 150; i++) {
        const bad = bytes.slice();
        const bv = new DataView(bad.buffer);
        for (let j = 0; j <= rand(3); j++) {
          const w = 2 + rand(tableWords - 2);
          const old = bv.getInt32(4 * w, true);
          bv.setInt32(4 * w, rand(2) ? old + rand(5) - 2 : rand(1 << 20) - (1 << 19), true);
        }
        try {
          const core = CoreInstance.instantiate(module, m, bad);
          core.invoke();
          outcomes.add("ran");
        } catch (err) {
          if (err instanceof ModelError) outcomes.add(err.code);
          else if (err instanceof WebAssembly.RuntimeError) outcomes.add("trap");
          else throw err;
        }
      }
      expect(outcomes.has("core")).toBe(true);
    }
  });

  it("reports its summary", () => {
    const s = compileModel(modelFile("kws")).summary;
    expect(s.macs).toBe(2656768);
    expect(s.opCounts).toEqual({ CONV_2D: 5, DEPTHWISE_CONV_2D: 4, AVERAGE_POOL_2D: 1, RESHAPE: 1, FULLY_CONNECTED: 1, SOFTMAX: 1 });
    expect(s.input).toMatchObject({ shape: [1, 49, 10, 1], zeroPoint: 83, bytes: 490 });
  });

  it("plans arenas no larger than TFLM's", () => {
    const tflm = { kws: 24000, ad: 3424, ic: 55712, vww: 103392 } as const;
    for (const [name, limit] of Object.entries(tflm)) {
      expect(compileModel(modelFile(name as keyof typeof tflm)).arenaBytes).toBeLessThanOrEqual(limit);
    }
  });
});

describe("model service errors", () => {
  let svc: ModelService;
  beforeAll(async () => {
    svc = await ModelService.create();
    svc.register("kws", compileModel(modelFile("kws")));
  });
  it("wrong input length", () => {
    expect(codeOf(() => svc.invoke("kws", new Uint8Array(489), new Uint8Array(12)))).toBe("bad-input-length");
    expect(codeOf(() => svc.invoke("kws", new Uint8Array(491), new Uint8Array(12)))).toBe("bad-input-length");
  });
  it("output buffer too small", () => {
    expect(codeOf(() => svc.invoke("kws", input("kws_sample"), new Uint8Array(11)))).toBe("output-too-small");
  });
  it("maps errors to model_invoke's negative results", () => {
    expect(svc.invokeAbi("kws", input("kws_sample"), new Uint8Array(12))).toBe(12);
    expect(svc.invokeAbi("nope", input("kws_sample"), new Uint8Array(12))).toBe(-2);
    expect(svc.invokeAbi("kws", new Uint8Array(3), new Uint8Array(12))).toBe(-1);
    expect(svc.invokeAbi("kws", input("kws_sample"), new Uint8Array(2))).toBe(-4);
  });
  it("unknown model", () => {
    expect(() => svc.invoke("nope", new Uint8Array(1), new Uint8Array(1))).toThrow(/no model named "nope"/);
  });
  it("a larger output buffer gets exactly the output bytes", () => {
    const out = new Uint8Array(64).fill(7);
    expect(svc.invoke("kws", input("kws_sample"), out).bytes).toBe(12);
    expect(out[12]).toBe(7);
  });
  it("a model too large for the board", () => {
    const vww = compileModel(modelFile("vww"));
    expect(() => checkFitsBoard(vww, 32 * 1024)).toThrow(/needs \d+ B of RAM \(arena 64512 B \+ tables \d+ B\), the board has 32768 B/);
    expect(() => checkFitsBoard(vww, 128 * 1024, 128 * 1024)).toThrow(/weights need 219064 B of flash/);
    expect(() => checkFitsBoard(vww, 128 * 1024, 1024 * 1024)).not.toThrow();
  });
});
