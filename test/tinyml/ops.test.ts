// Operators the four models do not use (MAX_POOL_2D, RELU, RELU6, QUANTIZE, DEQUANTIZE), on small
// hand-built models whose scales make the expected values exact; core and NPU kernels must agree.
import { beforeAll, describe, expect, it } from "vitest";
import { compileModel, ModelService, type NpuUnit } from "../../host/tinyml/index.ts";
import { buildTflite, type TinyOp, type TinyTensor } from "./tflite-builder.ts";

const NPU: NpuUnit = {
  ops: ["MAX_POOL_2D", "RELU", "RELU6", "QUANTIZE", "DEQUANTIZE", "PAD", "CONCATENATION", "LOGISTIC"],
  macsPerCycle: 1,
  mhz: 1,
  energyPerMacPj: 1,
};
const FLOAT32 = 0;

let cpu: ModelService;
let npu: ModelService;
beforeAll(async () => {
  cpu = await ModelService.create();
  npu = await ModelService.create({ npu: NPU });
});

function run(name: string, tensors: TinyTensor[], ops: TinyOp[], input: Int8Array, outLen: number, output = tensors.length - 1): Int8Array {
  const m = compileModel(buildTflite(tensors, ops, [0], [output]));
  cpu.register(name, m);
  npu.register(name, m);
  const a = new Uint8Array(outLen);
  const b = new Uint8Array(outLen);
  cpu.invoke(name, new Uint8Array(input.buffer), a);
  expect(npu.invoke(name, new Uint8Array(input.buffer), b).unit).toBe("npu");
  expect(b).toEqual(a);
  return new Int8Array(a.buffer);
}

const all = Int8Array.from({ length: 256 }, (_, i) => i - 128);
const clamp = (v: number): number => Math.max(-128, Math.min(127, v));

describe("other operators", () => {
  it("MAX_POOL_2D 2x2 stride 2 with fused RELU", () => {
    const input = Int8Array.from({ length: 4 * 4 * 2 }, (_, i) => ((i * 37) % 256) - 128);
    const pool: TinyOp = {
      code: 17, inputs: [0], outputs: [1],
      options: { type: 5, fields: [{ slot: 0, i8: 1 }, { slot: 1, i32: 2 }, { slot: 2, i32: 2 }, { slot: 3, i32: 2 }, { slot: 4, i32: 2 }, { slot: 5, i8: 1 }] },
    };
    const out = run("maxpool", [{ shape: [1, 4, 4, 2], zeroPoint: -10 }, { shape: [1, 2, 2, 2], zeroPoint: -10 }], [pool], input, 8);
    for (let y = 0; y < 2; y++)
      for (let x = 0; x < 2; x++)
        for (let c = 0; c < 2; c++) {
          let m = -128;
          for (let dy = 0; dy < 2; dy++) for (let dx = 0; dx < 2; dx++) m = Math.max(m, input[((2 * y + dy) * 4 + 2 * x + dx) * 2 + c]!);
          expect(out[(y * 2 + x) * 2 + c], `(${y},${x},${c})`).toBe(Math.max(m, -10)); // RELU: not below zero point
        }
  });

  it("RELU and RELU6 requantize to the output scale and clamp", () => {
    // in scale 0.5 zp 3 -> out scale 0.25 zp -20: out = 2 * (q - 3) - 20, RELU floor at -20, RELU6 ceiling at 24 - 20.
    const t = (zp: number, scale: number): TinyTensor => ({ shape: [256], zeroPoint: zp, scale });
    const relu = run("relu", [t(3, 0.5), t(-20, 0.25)], [{ code: 19, inputs: [0], outputs: [1] }], all, 256);
    const relu6 = run("relu6", [t(3, 0.5), t(-20, 0.25)], [{ code: 21, inputs: [0], outputs: [1] }], all, 256);
    all.forEach((q, i) => {
      const v = 2 * (q - 3) - 20;
      expect(relu[i]).toBe(clamp(Math.max(v, -20)));
      expect(relu6[i]).toBe(clamp(Math.min(Math.max(v, -20), 4)));
    });
  });

  it("DEQUANTIZE then QUANTIZE (float32 in the middle), and int8 requantize", () => {
    // 0.5 * (q - 1) in float, then round(x / 0.25) + 7: exactly 2 * (q - 1) + 7.
    const deq = run(
      "deq-q",
      [{ shape: [256], zeroPoint: 1, scale: 0.5 }, { shape: [256], type: FLOAT32 }, { shape: [256], zeroPoint: 7, scale: 0.25 }],
      [{ code: 6, inputs: [0], outputs: [1] }, { code: 114, inputs: [1], outputs: [2] }],
      all,
      256,
    );
    all.forEach((q, i) => expect(deq[i]).toBe(clamp(2 * (q - 1) + 7)));
    const req = run("req", [{ shape: [256], zeroPoint: -5, scale: 0.5 }, { shape: [256], zeroPoint: 9, scale: 0.125 }], [{ code: 114, inputs: [0], outputs: [1] }], all, 256);
    all.forEach((q, i) => expect(req[i]).toBe(clamp(4 * (q + 5) + 9)));
  });

  it("PAD with the zero point, then CONCATENATION of the padded and a requantized copy on the channel axis", () => {
    const input = Int8Array.from({ length: 2 * 3 * 2 }, (_, i) => i * 9 - 50);
    const paddings = new Uint8Array(new Int32Array([0, 0, 1, 0, 0, 2, 0, 1]).buffer);
    const q = { scale: 0.5, zeroPoint: 4 };
    const tensors: TinyTensor[] = [
      { shape: [1, 2, 3, 2], ...q },
      { shape: [4, 2], type: 2, data: paddings },
      { shape: [1, 3, 5, 3], ...q },
      { shape: [1, 3, 5, 3], ...q },
      { shape: [1, 3, 5, 6], ...q },
    ];
    const ops: TinyOp[] = [
      { code: 34, inputs: [0, 1], outputs: [2] },
      { code: 19, inputs: [2], outputs: [3] }, // RELU with the same scale: max(x, zero point)
      { code: 2, inputs: [2, 3], outputs: [4], options: { type: 10, fields: [{ slot: 0, i32: -1 }] } },
    ];
    const out = run("pad-concat", tensors, ops, input, 3 * 5 * 6);
    for (let y = 0; y < 3; y++)
      for (let x = 0; x < 5; x++)
        for (let c = 0; c < 3; c++) {
          const inside = y >= 1 && x < 3 && c < 2;
          const padded = inside ? input[((y - 1) * 3 + x) * 2 + c]! : 4;
          expect(out[(y * 5 + x) * 6 + c], `pad (${y},${x},${c})`).toBe(padded);
          expect(out[(y * 5 + x) * 6 + 3 + c], `relu (${y},${x},${c})`).toBe(Math.max(padded, 4));
        }
  });

  it("LOGISTIC stays within one step of the real sigmoid (no TFLM reference data for bit-exactness)", () => {
    for (const [scale, zp] of [[0.05, 0], [0.1, -20], [0.0234375, 17]] as const) {
      const out = run(`logistic-${scale}`, [{ shape: [256], scale, zeroPoint: zp }, { shape: [256], scale: 1 / 256, zeroPoint: -128 }], [{ code: 14, inputs: [0], outputs: [1] }], all, 256);
      all.forEach((q, i) => {
        const want = Math.min(127, Math.round(256 / (1 + Math.exp(-scale * (q - zp)))) - 128);
        expect(Math.abs(out[i]! - want), `q=${q} scale=${scale}`).toBeLessThanOrEqual(1);
      });
    }
  });
});
