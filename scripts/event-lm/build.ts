// Training to file bytes: train in float, quantize with a calibration set, write the .tflite and measure
// held-out accuracy of the float model and of the int8 graph (the integer reference, which the core equals).
import { ACTIONS, TARGETS, tokenize, type Example } from "./corpus.ts";
import { decide } from "./float-model.ts";
import { readGraph, writeGraph } from "./graph.ts";
import { referenceInvoke } from "./int8-reference.ts";
import { quantize } from "./quantize.ts";
import { floatAccuracy, train, type Trained, type TrainOptions } from "./train.ts";

/** Training examples whose float passes set the activation ranges. */
export const CALIBRATION = 500;

export interface Built {
  tflite: Uint8Array;
  trained: Trained;
  floatAccuracy: number;
  int8Accuracy: number;
}

export function buildEventModel(o: TrainOptions, log?: (line: string) => void): Built {
  const trained = train(o, log);
  const calibration = trained.train.slice(0, CALIBRATION).map((e) => tokenize(e.text));
  const tflite = writeGraph(quantize(trained.dims, trained.params, calibration));
  return { tflite, trained, floatAccuracy: floatAccuracy(trained.dims, trained.params, trained.heldOut), int8Accuracy: int8Accuracy(tflite, trained.heldOut) };
}

/** Share of events the int8 graph of `tflite` gets wholly right (action and target). */
export function int8Accuracy(tflite: Uint8Array, events: Example[]): number {
  const g = readGraph(tflite);
  let right = 0;
  for (const e of events) {
    const d = decide(referenceInvoke(g, tokenize(e.text)), ACTIONS.length, TARGETS.length);
    if (d.action === e.action && d.target === e.target) right++;
  }
  return right / events.length;
}
