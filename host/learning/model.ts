// The model every device trains: logistic regression on the features (a dense layer with
// one sigmoid output), weights = [w_0 .. w_{d-1}, bias]. Small enough for a microcontroller
// to train on its own data between events.
import type { Sample } from "./data.ts";

export type Weights = Float64Array;

export const zeroWeights = (features: number): Weights => new Float64Array(features + 1);

export function predict(w: Weights, x: Float64Array): number {
  let z = w[x.length]!;
  for (let i = 0; i < x.length; i++) z += w[i]! * x[i]!;
  return 1 / (1 + Math.exp(-z));
}

export interface TrainOptions {
  epochs: number;
  learningRate: number;
  /** L2 penalty per step */
  l2: number;
}

/** Plain gradient descent over the whole local set, from `start`; returns new weights. */
export function train(start: Weights, data: readonly Sample[], o: TrainOptions): Weights {
  const w = Float64Array.from(start);
  const d = w.length - 1;
  const grad = new Float64Array(w.length);
  for (let e = 0; e < o.epochs; e++) {
    grad.fill(0);
    for (const s of data) {
      const err = predict(w, s.x) - s.y;
      for (let i = 0; i < d; i++) grad[i]! += err * s.x[i]!;
      grad[d]! += err;
    }
    const n = Math.max(1, data.length);
    for (let i = 0; i < w.length; i++) w[i] = w[i]! - o.learningRate * (grad[i]! / n + (i < d ? o.l2 * w[i]! : 0));
  }
  return w;
}

export function accuracy(w: Weights, data: readonly Sample[]): number {
  if (data.length === 0) return 0;
  let ok = 0;
  for (const s of data) if ((predict(w, s.x) >= 0.5 ? 1 : 0) === s.y) ok++;
  return ok / data.length;
}
