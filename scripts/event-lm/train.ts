// Mini-batch Adam over the seeded corpus; the order of examples each epoch comes from the same seed.
import { ACTIONS, corpus, Rng, SEQ, TARGETS, tokenize, VOCAB, type Example } from "./corpus.ts";
import { Adam, backward, decide, forward, initParams, zeroGrads, type Dims, type Params } from "./float-model.ts";

export interface TrainOptions {
  seed: number;
  epochs: number;
  trainSize: number;
  heldOutSize: number;
  d: number;
  ff: number;
  lr: number;
  batch: number;
}
export const DEFAULT_TRAIN: TrainOptions = { seed: 13, epochs: 12, trainSize: 6000, heldOutSize: 1000, d: 24, ff: 48, lr: 0.004, batch: 32 };

export interface Trained {
  dims: Dims;
  params: Params;
  train: Example[];
  heldOut: Example[];
  /** mean loss of the last epoch */
  loss: number;
}

export function train(o: TrainOptions, log: (line: string) => void = () => {}): Trained {
  const dims: Dims = { vocab: VOCAB.length, seq: SEQ, d: o.d, ff: o.ff, actions: ACTIONS.length, targets: TARGETS.length };
  const data = corpus(o.seed, o.trainSize, o.heldOutSize);
  const rng = new Rng(o.seed ^ 0x5eed);
  const params = initParams(dims, rng);
  const adam = new Adam(params, o.lr);
  const ids = data.train.map((e) => tokenize(e.text));
  const order = data.train.map((_, i) => i);
  let loss = 0;
  for (let epoch = 0; epoch < o.epochs; epoch++) {
    for (let i = order.length - 1; i > 0; i--) {
      const j = rng.int(i + 1);
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    loss = 0;
    for (let b = 0; b < order.length; b += o.batch) {
      const g = zeroGrads(params);
      const end = Math.min(order.length, b + o.batch);
      for (let k = b; k < end; k++) {
        const e = data.train[order[k]!]!;
        loss += backward(dims, params, forward(dims, params, ids[order[k]!]!), e.action, e.target, g);
      }
      adam.apply(params, g, end - b);
    }
    loss /= order.length;
    log(`epoch ${epoch + 1}/${o.epochs}: loss ${loss.toFixed(4)}, held-out ${(100 * floatAccuracy(dims, params, data.heldOut)).toFixed(1)}%`);
  }
  return { dims, params, train: data.train, heldOut: data.heldOut, loss };
}

/** Share of events whose action and target are both right. */
export function floatAccuracy(dims: Dims, p: Params, events: Example[]): number {
  let right = 0;
  for (const e of events) {
    const d = decide(forward(dims, p, tokenize(e.text)).z, dims.actions, dims.targets);
    if (d.action === e.action && d.target === e.target) right++;
  }
  return right / events.length;
}
