// The int8 transformer operators (MUL, BATCH_MATMUL, GELU, GATHER, TRANSPOSE, LAYER_NORM) on the wasm core,
// each against a reference computed here in TypeScript from the TFLM integer rules (quant.ts), with edge
// cases: saturation at both ends, rounding of ties, broadcasting, out-of-range indices, constant rows.
import { beforeAll, describe, expect, it } from "vitest";
import { compileModel, ModelService } from "../../host/tinyml/index.ts";
import { erf, geluReal, LAYER_NORM_CUSTOM } from "../../host/tinyml/compile.ts";
import { isqrt, mbqm, quantizeMultiplier, roundAway } from "../../host/tinyml/quant.ts";
import { buildTflite, type TinyOp, type TinyTensor } from "./tflite-builder.ts";

const FLOAT32 = 0;
const INT32 = 2;
let cpu: ModelService;
beforeAll(async () => {
  cpu = await ModelService.create();
});

function run(name: string, tensors: TinyTensor[], ops: TinyOp[], input: Int8Array, outLen: number, output = tensors.length - 1): Int8Array {
  cpu.register(name, compileModel(buildTflite(tensors, ops, [0], [output])));
  const out = new Uint8Array(outLen);
  cpu.invoke(name, new Uint8Array(input.buffer, input.byteOffset, input.length), out);
  return new Int8Array(out.buffer);
}

/** Deterministic int8 values (LCG), the whole range. */
function codes(n: number, seed: number): Int8Array {
  let x = seed >>> 0;
  return Int8Array.from({ length: n }, () => ((x = (Math.imul(x, 1664525) + 1013904223) >>> 0) >>> 24) - 128);
}
const clamp8 = (v: number): number => Math.max(-128, Math.min(127, v));
const bytes = (a: ArrayLike<number>, type: "i8" | "i32" | "f32"): Uint8Array =>
  new Uint8Array((type === "i8" ? Int8Array.from(a) : type === "i32" ? Int32Array.from(a) : Float32Array.from(a)).buffer);

describe("MUL", () => {
  it("matches the TFLM integer product, same shapes and a per-feature second input, saturating", () => {
    for (const [sa, sb, so] of [[0.05, 0.02, 0.004], [0.5, 0.5, 0.01], [0.1, 0.03, 0.25]] as const) {
      const a = codes(24, 1), b = codes(6, 2);
      const t: TinyTensor[] = [
        { shape: [4, 6], scale: sa, zeroPoint: 3 },
        { shape: [6], scale: sb, zeroPoint: -7, data: bytes(b, "i8") },
        { shape: [4, 6], scale: so, zeroPoint: -2 },
      ];
      const out = run(`mul-${so}`, t, [{ code: 18, inputs: [0, 1], outputs: [2] }], a, 24);
      const q = quantizeMultiplier((sa * sb) / so);
      let saturated = 0;
      a.forEach((x, i) => {
        const raw = mbqm((x - 3) * (b[i % 6]! + 7), q.multiplier, q.shift) - 2;
        if (raw !== clamp8(raw)) saturated++;
        expect(out[i], `i=${i} scale ${so}`).toBe(clamp8(raw));
      });
      if (so === 0.004) expect(saturated).toBeGreaterThan(0);
    }
  });

  it("refuses a second input that does not broadcast", () => {
    const t: TinyTensor[] = [{ shape: [4, 6] }, { shape: [4], data: bytes([1, 2, 3, 4], "i8") }, { shape: [4, 6] }];
    expect(() => compileModel(buildTflite(t, [{ code: 18, inputs: [0, 1], outputs: [2] }], [0], [2]))).toThrow(/broadcasting \[4,6\] \* \[4\]/);
  });
});

describe("BATCH_MATMUL", () => {
  function reference(lhs: Int8Array, rhs: Int8Array, B: number, M: number, K: number, N: number, adjX: boolean, adjY: boolean,
    lb: number, rb: number, ql: [number, number], qr: [number, number], qo: [number, number]): number[] {
    const q = quantizeMultiplier((ql[0] * qr[0]) / qo[0]);
    const out: number[] = [];
    for (let b = 0; b < B; b++)
      for (let i = 0; i < M; i++)
        for (let j = 0; j < N; j++) {
          let acc = 0;
          for (let k = 0; k < K; k++) {
            const l = lhs[(lb === 1 ? 0 : b) * M * K + (adjX ? k * M + i : i * K + k)]!;
            const r = rhs[(rb === 1 ? 0 : b) * K * N + (adjY ? j * K + k : k * N + j)]!;
            acc += (l - ql[1]) * (r - qr[1]);
          }
          out.push(clamp8(mbqm(acc, q.multiplier, q.shift) + qo[1]));
        }
    return out;
  }

  for (const c of [
    { name: "plain", B: 2, M: 3, K: 4, N: 5, adjX: false, adjY: false, lb: 2, rb: 2, so: 2.0 },
    { name: "Q x K^T (adj_y), rhs broadcast", B: 3, M: 4, K: 8, N: 4, adjX: false, adjY: true, lb: 3, rb: 1, so: 1.5 },
    { name: "adj_x, lhs broadcast, saturating", B: 2, M: 5, K: 3, N: 2, adjX: true, adjY: false, lb: 1, rb: 2, so: 0.05 },
  ]) {
    it(c.name, () => {
      const { B, M, K, N, adjX, adjY, lb, rb } = c;
      const lhs = codes(lb * M * K, 11), rhs = codes(rb * K * N, 12);
      const ql: [number, number] = [0.04, 5], qr: [number, number] = [0.03, -9], qo: [number, number] = [c.so * 0.01, -4];
      const t: TinyTensor[] = [
        { shape: [lb, adjX ? K : M, adjX ? M : K], scale: ql[0], zeroPoint: ql[1] },
        { shape: [rb, adjY ? N : K, adjY ? K : N], scale: qr[0], zeroPoint: qr[1], data: bytes(rhs, "i8") },
        { shape: [B, M, N], scale: qo[0], zeroPoint: qo[1] },
      ];
      const op: TinyOp = { code: 126, inputs: [0, 1], outputs: [2], options: { type: 98, fields: [{ slot: 0, i8: adjX ? 1 : 0 }, { slot: 1, i8: adjY ? 1 : 0 }] } };
      const out = run(`bmm-${c.name}`, t, [op], lhs, B * M * N);
      const want = reference(lhs, rhs, B, M, K, N, adjX, adjY, lb, rb, ql, qr, qo);
      expect(Array.from(out)).toEqual(want);
      if (c.so < 0.1) expect(want.filter((v) => v === 127 || v === -128).length).toBeGreaterThan(0);
    });
  }

  it("refuses inner dimensions that differ", () => {
    const t: TinyTensor[] = [{ shape: [1, 3, 4] }, { shape: [1, 5, 2], data: new Uint8Array(10) }, { shape: [1, 3, 2] }];
    expect(() => compileModel(buildTflite(t, [{ code: 126, inputs: [0, 1], outputs: [2] }], [0], [2]))).toThrow(/inner dimensions differ/);
  });
});

describe("GELU", () => {
  it("erf is exact to double precision at known values", () => {
    for (const [x, want] of [[0.5, 0.5204998778130465], [1, 0.8427007929497149], [2, 0.9953222650189527], [3.5, 0.9999992569016276], [-1, -0.8427007929497149]] as const) {
      expect(Math.abs(erf(x) - want)).toBeLessThan(1e-15);
    }
  });

  it("every input code maps to round(gelu(x) / scale) + zero point, exact and tanh forms, saturating", () => {
    const all = Int8Array.from({ length: 256 }, (_, i) => i - 128);
    for (const [si, zi, so, zo, approximate] of [[0.05, 0, 0.03, -20, false], [0.1, 10, 0.01, -128, true], [0.02, -30, 0.02, -3, false]] as const) {
      const op: TinyOp = { code: 150, inputs: [0], outputs: [1], options: { type: 124, fields: [{ slot: 0, i8: approximate ? 1 : 0 }] } };
      const out = run(`gelu-${si}-${approximate}`, [{ shape: [256], scale: si, zeroPoint: zi }, { shape: [256], scale: so, zeroPoint: zo }], [op], all, 256);
      all.forEach((q, i) => {
        const x = si * (q - zi);
        // Independent of the compiler's formula: the tanh form written out, the exact one via x * Phi(x).
        const y = approximate ? x / (1 + Math.exp(-2 * Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3))) : x * 0.5 * (1 + erf(x / Math.SQRT2));
        expect(out[i], `q=${q}`).toBe(clamp8(roundAway(y / so) + zo));
        expect(Math.abs(geluReal(x, approximate) - y)).toBeLessThan(1e-12);
      });
      if (so === 0.01) expect(out[255]).toBe(127); // saturates at the top
    }
  });
});

describe("GATHER", () => {
  it("copies embedding rows for int8 and int32 indices; an index off the table gives the zero point row", () => {
    const table = codes(7 * 5, 21);
    for (const wide of [false, true]) {
      const ids = [3, 0, 6, -1, 7, 2];
      const t: TinyTensor[] = wide
        ? [{ shape: [6], zeroPoint: 0 }, { shape: [6], type: INT32 }, { shape: [7, 5], zeroPoint: 9, data: bytes(table, "i8") }, { shape: [6, 5], zeroPoint: 9 }]
        : [{ shape: [6], zeroPoint: 0 }, { shape: [7, 5], zeroPoint: 9, data: bytes(table, "i8") }, { shape: [6, 5], zeroPoint: 9 }];
      // The int32 case casts nothing: its indices tensor is filled by a QUANTIZE-free path, so feed it as a constant.
      if (wide) t[1] = { shape: [6], type: INT32, data: bytes(ids, "i32") };
      const op: TinyOp = wide ? { code: 36, inputs: [2, 1], outputs: [3] } : { code: 36, inputs: [1, 0], outputs: [2] };
      const ops: TinyOp[] = wide ? [{ code: 18, inputs: [0, 0], outputs: [4] }, op] : [op];
      if (wide) t.push({ shape: [6] });
      const out = wide
        ? (() => {
          // Model input 0 feeds a MUL no one reads; the gather reads the constant int32 indices.
          cpu.register("gather-wide", compileModel(buildTflite(t, ops, [0], [3])));
          const o = new Uint8Array(30);
          cpu.invoke("gather-wide", new Uint8Array(6), o);
          return new Int8Array(o.buffer);
        })()
        : run("gather-i8", t, ops, Int8Array.from(ids), 30, 2);
      ids.forEach((id, r) => {
        for (let d = 0; d < 5; d++) expect(out[r * 5 + d], `row ${r} id ${id}`).toBe(id >= 0 && id < 7 ? table[id * 5 + d] : 9);
      });
    }
  });

  it("refuses a table and output that differ in quantization", () => {
    const t: TinyTensor[] = [{ shape: [2] }, { shape: [3, 4], zeroPoint: 1, data: new Uint8Array(12) }, { shape: [2, 4], zeroPoint: 2 }];
    expect(() => compileModel(buildTflite(t, [{ code: 36, inputs: [1, 0], outputs: [2] }], [0], [2]))).toThrow(/differ in quantization/);
  });
});

describe("TRANSPOSE", () => {
  it("permutes 2-, 3- and 4-D tensors like an index-by-index reference", () => {
    for (const [shape, perm] of [[[3, 5], [1, 0]], [[2, 3, 4], [1, 0, 2]], [[2, 3, 4, 5], [0, 2, 1, 3]], [[2, 3, 4, 5], [3, 1, 0, 2]]] as const) {
      const n = shape.reduce((a, b) => a * b, 1);
      const input = codes(n, 31 + shape.length);
      const outShape = perm.map((p) => shape[p]!);
      const t: TinyTensor[] = [{ shape: [...shape] }, { shape: [perm.length], type: INT32, data: bytes(perm, "i32") }, { shape: outShape }];
      const out = run(`transpose-${perm.join("")}`, t, [{ code: 39, inputs: [0, 1], outputs: [2] }], input, n);
      const strides = shape.map((_, d) => shape.slice(d + 1).reduce((a, b) => a * b, 1));
      for (let o = 0; o < n; o++) {
        let rem = o, src = 0;
        for (let j = perm.length - 1; j >= 0; j--) {
          const idx = rem % outShape[j]!;
          rem = Math.floor(rem / outShape[j]!);
          src += idx * strides[perm[j]!]!;
        }
        expect(out[o], `perm ${perm} at ${o}`).toBe(input[src]);
      }
    }
  });

  it("refuses a perm that is not a permutation", () => {
    const t: TinyTensor[] = [{ shape: [2, 3] }, { shape: [2], type: INT32, data: bytes([1, 1], "i32") }, { shape: [3, 2] }];
    expect(() => compileModel(buildTflite(t, [{ code: 39, inputs: [0, 1], outputs: [2] }], [0], [2]))).toThrow(/not a permutation/);
  });
});

describe("LAYER_NORM (CUSTOM COLONY_LAYER_NORM)", () => {
  function reference(input: Int8Array, depth: number, iq: [number, number], oq: [number, number], gamma: number[], beta: number[]): number[] {
    // The scales as the .tflite stores them (float32).
    iq = [Math.fround(iq[0]), iq[1]];
    oq = [Math.fround(oq[0]), oq[1]];
    const out: number[] = [];
    const d = BigInt(depth);
    const epsQ = BigInt(Math.min(2 ** 31 - 1, Math.round((1e-5 / (iq[0] * iq[0])) * depth * depth)));
    for (let r = 0; r < input.length / depth; r++) {
      const xs = Array.from(input.subarray(r * depth, (r + 1) * depth), (q) => BigInt(q - iq[1]));
      const s1 = xs.reduce((a, b) => a + b, 0n), s2 = xs.reduce((a, b) => a + b * b, 0n);
      const root = isqrt(d * s2 - s1 * s1 + epsQ);
      xs.forEach((x, i) => {
        const c = (d * x - s1) << 11n;
        const n = root === 0n ? 0n : c >= 0n ? (c + root / 2n) / root : -((-c + root / 2n) / root);
        const q = quantizeMultiplier(Math.fround(gamma[i]!) / (oq[0] * 2048));
        out.push(clamp8(mbqm(Number(n), q.multiplier, q.shift) + roundAway(Math.fround(beta[i]!) / oq[0]) + oq[1]));
      });
    }
    return out;
  }

  it("matches the integer reference and the float layer norm within a step, with a constant row and saturation", () => {
    const depth = 16, rows = 4;
    const input = codes(depth * rows, 41);
    input.fill(17, depth, 2 * depth); // a constant row: variance 0, normalises to beta
    const gamma = Array.from({ length: depth }, (_, i) => (i % 5 === 0 ? -1.5 : 0.25 + i / 10));
    const beta = Array.from({ length: depth }, (_, i) => (i - 8) / 20);
    const iq: [number, number] = [0.07, -3], oq: [number, number] = [0.012, 1];
    const t: TinyTensor[] = [
      { shape: [rows, depth], scale: iq[0], zeroPoint: iq[1] },
      { shape: [depth], type: FLOAT32, data: bytes(gamma, "f32") },
      { shape: [depth], type: FLOAT32, data: bytes(beta, "f32") },
      { shape: [rows, depth], scale: oq[0], zeroPoint: oq[1] },
    ];
    const out = run("layernorm", t, [{ code: 32, custom: LAYER_NORM_CUSTOM, inputs: [0, 1, 2], outputs: [3] }], input, depth * rows);
    const want = reference(input, depth, iq, oq, gamma, beta);
    expect(Array.from(out)).toEqual(want);
    expect(want.some((v) => v === 127 || v === -128)).toBe(true);
    // The real operator: (x - mean) / sqrt(var + eps) * gamma + beta, quantized.
    for (let r = 0; r < rows; r++) {
      const xs = Array.from(input.subarray(r * depth, (r + 1) * depth), (q) => iq[0] * (q - iq[1]));
      const mean = xs.reduce((a, b) => a + b, 0) / depth;
      const v = xs.reduce((a, b) => a + (b - mean) ** 2, 0) / depth;
      xs.forEach((x, i) => {
        const exact = clamp8(Math.round((((x - mean) / Math.sqrt(v + 1e-5)) * gamma[i]! + beta[i]!) / oq[0]) + oq[1]);
        expect(Math.abs(out[r * depth + i]! - exact), `row ${r} feature ${i}`).toBeLessThanOrEqual(1);
      });
    }
  });

  it("refuses another custom operator by name", () => {
    const t: TinyTensor[] = [{ shape: [4] }, { shape: [4] }];
    expect(() => compileModel(buildTflite(t, [{ code: 32, custom: "FANCY_NORM", inputs: [0], outputs: [1] }], [0], [1]))).toThrow(/CUSTOM "FANCY_NORM" is not supported/);
  });
});
