// The trained event model (models/event-lm.tflite): the TinyML core gives the integer reference's output bit
// for bit on every held-out event, its held-out accuracy, and the training script's determinism.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { compileModel, ModelService } from "../../host/tinyml/index.ts";
import { ACTIONS, corpus, TARGETS, tokenize } from "../../scripts/event-lm/corpus.ts";
import { buildEventModel } from "../../scripts/event-lm/build.ts";
import { backward, decide, forward, initParams, PARAM_NAMES, zeroGrads } from "../../scripts/event-lm/float-model.ts";
import { Rng } from "../../scripts/event-lm/corpus.ts";
import { readGraph } from "../../scripts/event-lm/graph.ts";
import { referenceInvoke } from "../../scripts/event-lm/int8-reference.ts";
import { DEFAULT_TRAIN } from "../../scripts/event-lm/train.ts";
import { ROOT } from "./fixtures.ts";

const file = new Uint8Array(readFileSync(join(ROOT, "models/event-lm.tflite")));
const OUT = ACTIONS.length + TARGETS.length;
const SEQ_SMALL = 6;
const heldOut = corpus(DEFAULT_TRAIN.seed, DEFAULT_TRAIN.trainSize, DEFAULT_TRAIN.heldOutSize).heldOut;
let cpu: ModelService;
beforeAll(async () => {
  cpu = await ModelService.create();
  cpu.register("event-lm", compileModel(file));
});

function onCore(ids: Int8Array): Int8Array {
  const out = new Uint8Array(OUT);
  cpu.invoke("event-lm", new Uint8Array(ids.buffer, ids.byteOffset, ids.length), out);
  return new Int8Array(out.buffer);
}

describe("event-lm on the TinyML core", () => {
  it("equals the integer reference bit for bit on all held-out events, and gets at least 99% of them right", () => {
    const g = readGraph(file);
    let right = 0, refRight = 0;
    for (const e of heldOut) {
      const ids = tokenize(e.text);
      const core = onCore(ids), ref = referenceInvoke(g, ids);
      expect(Array.from(core), e.text).toEqual(Array.from(ref));
      const d = decide(core, ACTIONS.length, TARGETS.length), r = decide(ref, ACTIONS.length, TARGETS.length);
      if (d.action === e.action && d.target === e.target) right++;
      if (r.action === e.action && r.target === e.target) refRight++;
    }
    expect(heldOut.length).toBe(1000);
    expect(right).toBe(refRight);
    expect(right / heldOut.length).toBeGreaterThanOrEqual(0.99);
  });

  it("reads phrasings of its own: words out of order, unknown words, distractors, a reporting device beside the target", () => {
    for (const [text, action, target] of [
      ["room-b please pump-3 vibration high xyzzy", "inspect", "pump-3"],
      ["battery low drone-1", "recharge", "drone-1"],
      ["door-b near door open again", "close", "door-b"],
      ["camera-1 defect detected line-1", "reject", "camera-1"],
      ["drone-1 reports vibration high pump-1", "inspect", "pump-1"],
      ["overheat conveyor-2 from robot-1", "cool", "conveyor-2"],
    ] as const) {
      const d = decide(onCore(tokenize(text)), ACTIONS.length, TARGETS.length);
      expect([ACTIONS[d.action], TARGETS[d.target]], text).toEqual([action, target]);
    }
  });

  it("is the file SHA256SUMS lists", () => {
    const sums = readFileSync(join(ROOT, "models/SHA256SUMS"), "utf8");
    expect(sums).toContain(`${createHash("sha256").update(file).digest("hex")}  event-lm.tflite`);
  });

  it("refuses a .tflite that is not the event graph", () => {
    expect(() => readGraph(new Uint8Array(readFileSync(join(ROOT, "models/ad.tflite"))))).toThrow(/not an event model: \d+ tensors/);
  });
});

describe("scripts/train-event-lm.ts", () => {
  it("gives the same bytes from the same seed and other bytes from another (a reduced run)", () => {
    const small = { ...DEFAULT_TRAIN, epochs: 1, trainSize: 150, heldOutSize: 20 };
    const a = buildEventModel(small).tflite, b = buildEventModel(small).tflite, c = buildEventModel({ ...small, seed: 14 }).tflite;
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
    expect(Buffer.from(a).equals(Buffer.from(c))).toBe(false);
  });

  it("backprop agrees with finite differences of the loss for every parameter tensor", () => {
    const dims = { vocab: 74, seq: SEQ_SMALL, d: 8, ff: 12, actions: ACTIONS.length, targets: TARGETS.length };
    const p = initParams(dims, new Rng(5));
    const ids = tokenize("vibration high pump-3 room-b now").subarray(0, SEQ_SMALL);
    const loss = (): number => backward(dims, p, forward(dims, p, ids), 1, 2, zeroGrads(p));
    const g = zeroGrads(p);
    backward(dims, p, forward(dims, p, ids), 1, 2, g);
    for (const name of PARAM_NAMES) {
      // an embedding row the event uses, else spread over the tensor
      const at = (k: number): number => (name === "E" ? ids[k % SEQ_SMALL]! * 8 + (k % 8) : (k * 7919) % p[name].length);
      for (let k = 0; k < 4; k++) {
        const i = at(k), old = p[name][i]!;
        p[name][i] = old + 1e-2; const up = loss();
        p[name][i] = old - 1e-2; const down = loss();
        p[name][i] = old;
        const numeric = (up - down) / 2e-2;
        expect(Math.abs(numeric - g[name][i]!), `${name}[${i}]`).toBeLessThan(2e-3 * (Math.abs(numeric) + Math.abs(g[name][i]!)) + 1e-4);
      }
    }
  });

  it("tokenizes like the model's vocabulary: lower case, unknown words as <unk>, padded to the sequence", () => {
    const ids = tokenize("Vibration HIGH, pump-3!  frobnicate");
    expect(Array.from(ids.subarray(0, 5))).toEqual([tokenize("vibration")[0], tokenize("high")[0], tokenize("pump-3")[0], 1, 0]);
  });
});
