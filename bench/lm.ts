// The transformer operators on V8: one int8 encoder block (8 tokens x 32 features: Q/K/V projections,
// Q x K^T by BATCH_MATMUL, softmax, attention x V, residual ADD, LAYER_NORM, a GELU feed-forward of 64)
// timed against the keyword model (kws) in the same run. Weights are seeded, not trained: this measures
// the operators' cost, not a model's accuracy. The trained event model (models/event-lm.tflite) is timed in the
// same run, with its held-out accuracy on the core.
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { compileModel, CoreInstance, type CompiledModel } from "../host/tinyml/index.ts";
import { LAYER_NORM_CUSTOM } from "../host/tinyml/compile.ts";
import { buildTflite, type TinyOp, type TinyTensor } from "../test/tinyml/tflite-builder.ts";
import { ACTIONS, corpus, TARGETS, tokenize } from "../scripts/event-lm/corpus.ts";
import { decide } from "../scripts/event-lm/float-model.ts";
import { DEFAULT_TRAIN } from "../scripts/event-lm/train.ts";
import type { BenchResult } from "./types.ts";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const SECONDS = 1;
const T = 8, D = 32, F = 64;

function seeded(n: number, seed: number, range: number): Uint8Array {
  let x = seed >>> 0;
  return new Uint8Array(Int8Array.from({ length: n }, () => ((((x = (Math.imul(x, 1664525) + 1013904223) >>> 0) >>> 24) % (2 * range + 1)) - range)).buffer);
}

/** The encoder block as a .tflite, compiled. */
export function encoderBlock(): CompiledModel {
  const act = (shape: number[], scale = 0.05, zeroPoint = 0): TinyTensor => ({ shape, scale, zeroPoint });
  const w = (rows: number, cols: number, seed: number): TinyTensor => ({ shape: [rows, cols], scale: 0.01, zeroPoint: 0, data: seeded(rows * cols, seed, 40) });
  const f32 = (values: number[]): TinyTensor => ({ shape: [values.length], type: 0, data: new Uint8Array(Float32Array.from(values).buffer) });
  const tensors: TinyTensor[] = [
    act([T, D]), w(D, D, 1), act([T, D]), w(D, D, 2), act([T, D]), w(D, D, 3), act([T, D]), // 0..6: x, Wq, q, Wk, k, Wv, v
    act([T, T], 0.1), { shape: [T, T], scale: 1 / 256, zeroPoint: -128 }, act([T, D]), act([T, D]), // 7..10: scores, probs, ctx, residual
    f32(Array(D).fill(1)), f32(Array(D).fill(0)), act([T, D], 0.03), // 11..13: gamma, beta, ln
    w(F, D, 4), act([T, F]), act([T, F], 0.03), w(D, F, 5), act([T, D]), act([T, D]), // 14..19: W1, h, gelu, W2, f, out
  ];
  const ops: TinyOp[] = [
    { code: 9, inputs: [0, 1], outputs: [2] },
    { code: 9, inputs: [0, 3], outputs: [4] },
    { code: 9, inputs: [0, 5], outputs: [6] },
    { code: 126, inputs: [2, 4], outputs: [7], options: { type: 98, fields: [{ slot: 1, i8: 1 }] } },
    { code: 25, inputs: [7], outputs: [8] },
    { code: 126, inputs: [8, 6], outputs: [9] },
    { code: 0, inputs: [9, 0], outputs: [10] },
    { code: 32, custom: LAYER_NORM_CUSTOM, inputs: [10, 11, 12], outputs: [13] },
    { code: 9, inputs: [13, 14], outputs: [15] },
    { code: 150, inputs: [15], outputs: [16] },
    { code: 9, inputs: [16, 17], outputs: [18] },
    { code: 0, inputs: [18, 13], outputs: [19] },
  ];
  return compileModel(buildTflite(tensors, ops, [0], [19]));
}

function secondsPerInvoke(core: CoreInstance, input: Uint8Array): number {
  for (let i = 0; i < 3; i++) { core.setInput(input); core.invoke(); }
  let n = 0, t = 0;
  const t0 = performance.now();
  do { core.setInput(input); core.invoke(); n++; t = performance.now() - t0; } while (t < SECONDS * 1000);
  return t / 1000 / n;
}

export async function run(): Promise<BenchResult[]> {
  const kws = compileModel(new Uint8Array(readFileSync(join(ROOT, "models/kws.tflite"))));
  const block = encoderBlock();
  const kwsCore = await CoreInstance.create(kws);
  const blockCore = await CoreInstance.create(block);
  const kwsS = secondsPerInvoke(kwsCore, new Uint8Array(readFileSync(join(ROOT, "test/fixtures/tinyml/inputs/kws_sample.bin"))));
  const blockS = secondsPerInvoke(blockCore, seeded(T * D, 9, 100));
  const eventFile = new Uint8Array(readFileSync(join(ROOT, "models/event-lm.tflite")));
  const eventCore = await CoreInstance.create(compileModel(eventFile));
  const heldOut = corpus(DEFAULT_TRAIN.seed, DEFAULT_TRAIN.trainSize, DEFAULT_TRAIN.heldOutSize).heldOut;
  let right = 0;
  for (const e of heldOut) {
    eventCore.setInput(new Uint8Array(tokenize(e.text).buffer));
    eventCore.invoke();
    const d = decide(new Int8Array(eventCore.output().slice().buffer), ACTIONS.length, TARGETS.length);
    if (d.action === e.action && d.target === e.target) right++;
  }
  const eventS = secondsPerInvoke(eventCore, new Uint8Array(tokenize(heldOut[0]!.text).buffer));
  const event = compileModel(eventFile);
  return [
    { name: "lm: event-lm (trained) per invoke, V8", value: +(eventS * 1e3).toFixed(4), unit: "ms" },
    { name: "lm: event-lm time / kws time", value: +(eventS / kwsS).toFixed(4), unit: "ratio" },
    { name: "lm: event-lm held-out accuracy on the core", value: +((100 * right) / heldOut.length).toFixed(1), unit: "%", note: `${right}/${heldOut.length} events, action and target` },
    { name: "lm: event-lm .tflite size", value: eventFile.length, unit: "bytes", note: `${event.summary.macs} MACs, arena ${event.arenaBytes} B` },
    { name: "lm: encoder block (8x32, FFN 64) per invoke, V8", value: +(blockS * 1e3).toFixed(4), unit: "ms" },
    { name: "lm: kws per invoke, V8 (baseline, same run)", value: +(kwsS * 1e3).toFixed(4), unit: "ms" },
    { name: "lm: encoder block time / kws time", value: +(blockS / kwsS).toFixed(4), unit: "ratio" },
    { name: "lm: encoder block MACs", value: block.summary.macs, unit: "MACs", note: `kws ${kws.summary.macs}` },
    { name: "lm: encoder block arena", value: block.arenaBytes, unit: "bytes", note: `kws ${kws.arenaBytes}` },
  ];
}
