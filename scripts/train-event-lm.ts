// Trains the event-to-instruction model and writes models/event-lm.tflite, its card models/event-lm.md and
// its line in models/SHA256SUMS. Deterministic: the same seed and options give the same bytes.
//   npx tsx scripts/train-event-lm.ts [--seed N] [--epochs N] [--out DIR]
import { createHash } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { compileModel } from "../host/tinyml/index.ts";
import { buildEventModel, CALIBRATION } from "./event-lm/build.ts";
import { ACTIONS, SEQ, TARGETS, VOCAB } from "./event-lm/corpus.ts";
import { DEFAULT_TRAIN, type TrainOptions } from "./event-lm/train.ts";
import { readGraph, T } from "./event-lm/graph.ts";

function options(argv: string[]): { train: TrainOptions; out: string } {
  const train = { ...DEFAULT_TRAIN };
  let out = join(dirname(fileURLToPath(import.meta.url)), "../models");
  for (let i = 0; i < argv.length; i += 2) {
    const [flag, value] = [argv[i]!, argv[i + 1]];
    if (value === undefined) throw new Error(`${flag} needs a value`);
    if (flag === "--out") { out = value; continue; }
    const n = Number(value);
    if (!Number.isInteger(n) || n < 0) throw new Error(`${flag} ${value}: expected a non-negative integer`);
    if (flag === "--seed") train.seed = n;
    else if (flag === "--epochs") train.epochs = n;
    else throw new Error(`unknown option ${flag} (known: --seed, --epochs, --out)`);
  }
  return { train, out };
}

function card(o: TrainOptions, b: ReturnType<typeof buildEventModel>, sha: string): string {
  const c = compileModel(b.tflite);
  const pct = (x: number): string => `${(100 * x).toFixed(1)}%`;
  return `# event-lm: event text -> instruction (int8 transformer encoder)

Colony's own model (issue #13), trained by \`npx tsx scripts/train-event-lm.ts\` from a seeded generator;
licence: the project's own. No outside data or weights.

**What it does.** Reads up to ${SEQ} tokens of an event's text ("vibration high pump-3 room-b") and gives two
sets of logits in one int8 output of ${ACTIONS.length + TARGETS.length}: the action (first ${ACTIONS.length}) and the target (next ${TARGETS.length}).

- actions: ${ACTIONS.join(", ")}
- targets: ${TARGETS.join(", ")}
- vocabulary (${VOCAB.length}, token id = position, 0 pads, 1 is any unknown word): ${VOCAB.join(" ")}

**Graph** (${c.ops.length} operators, ${c.summary.macs.toLocaleString("en-US")} MACs, arena ${c.arenaBytes} bytes, file ${b.tflite.length.toLocaleString("en-US")} bytes):
GATHER token embedding (${VOCAB.length} x ${o.d}) + position embedding (ADD), Q/K/V FULLY_CONNECTED, Q K^T
(BATCH_MATMUL adj_y; 1/sqrt(${o.d}) folded into Q), SOFTMAX, attention x V (BATCH_MATMUL), residual ADD, LAYER_NORM
(CUSTOM \`COLONY_LAYER_NORM\`, float32 gamma/beta), FULLY_CONNECTED ${o.d} -> ${o.ff}, GELU (exact), FULLY_CONNECTED ${o.ff} -> ${o.d},
residual ADD, then one FULLY_CONNECTED over all ${SEQ} x ${o.d} values holding both heads: mean pooling over the tokens
folded into its weights (each head weight / ${SEQ}, repeated per token). Input: int8 token ids [${SEQ}]. Output
scale ${readGraph(b.tflite)[T.z]!.scale}, zero point ${readGraph(b.tflite)[T.z]!.zeroPoint} (an agent's \`logitScale\`).

**Training data.** scripts/event-lm/corpus.ts: seven conditions in 3-5 phrasings each (vibration/shaking ->
inspect, temperature/overheat -> cool, battery/power low -> recharge, door open -> close, defect/scratch/crack ->
reject, leak/pressure drop/jam -> stop, status ok/heartbeat -> none), a target before or after the phrase, 0-3
distractor tokens (places, times, filler, numbers) anywhere, an unknown word in 10% of events, and in 35% the device
that reported it, another device than the target ("from drone-1", "by robot-2", "camera-1 reports"). Seed ${o.seed}:
${o.trainSize} training events, ${o.heldOutSize} held-out events whose texts are not in the training set.

**Training.** Float (weights float32), hand-written backprop, Adam (lr ${o.lr}, batch ${o.batch}), ${o.epochs} epochs,
cross-entropy of each head summed; last epoch's mean loss ${b.trained.loss.toFixed(4)}.
**Quantization.** Post-training int8: activation ranges min/max over the float passes of the first
${CALIBRATION} training events, weights symmetric per tensor, int32 biases at input x weight scale.

| held-out (${o.heldOutSize} events, action and target both right) | accuracy |
|---|---|
| float | ${pct(b.floatAccuracy)} |
| int8 (integer reference = the TinyML core, bit for bit) | ${pct(b.int8Accuracy)} |

The held-out events come from the same generator (unseen texts, same phrasings and vocabulary): the figure says
the model learned the generator's language, not that it reads free text. A word outside the vocabulary is <unk>.

sha256 \`${sha}\`
`;
}

function main(): void {
  const { train, out } = options(process.argv.slice(2));
  const b = buildEventModel(train, (line) => console.log(line));
  const sha = createHash("sha256").update(b.tflite).digest("hex");
  writeFileSync(join(out, "event-lm.tflite"), b.tflite);
  writeFileSync(join(out, "event-lm.md"), card(train, b, sha));
  const sums = join(out, "SHA256SUMS");
  const lines = (existsSync(sums) ? readFileSync(sums, "utf8") : "").split("\n").filter((l) => l && !l.endsWith("  event-lm.tflite"));
  writeFileSync(sums, [...lines, `${sha}  event-lm.tflite`, ""].join("\n"));
  console.log(`event-lm.tflite ${b.tflite.length} bytes, sha256 ${sha}; held-out float ${b.floatAccuracy}, int8 ${b.int8Accuracy}`);
}

main();
