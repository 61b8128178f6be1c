// Federated learning (#12): accuracy against centralised training on the same data, in the
// same run, over several seeds and both data splits; what crosses the bus against what
// training centrally would have to move; raw samples egressed (the monitor's count).
import { runFederation } from "../host/learning/index.ts";
import type { BenchResult } from "./types.ts";

export async function run(): Promise<BenchResult[]> {
  const out: BenchResult[] = [];
  const pts = (x: number) => Math.round(x * 1000) / 10;
  for (const iid of [false, true]) {
    const gaps: number[] = [];
    let raw = 0;
    let last;
    const t0 = performance.now();
    for (const seed of [1, 2, 3, 4, 5]) {
      const r = runFederation({ devices: 10, rounds: 15, seed, data: { iid } });
      gaps.push(pts(r.federatedAccuracy) - pts(r.centralisedAccuracy));
      raw += r.egress.rawSamples;
      last = r;
      if (seed === 1) {
        const split = iid ? "IID" : "non-IID";
        out.push({ name: `federated learning (${split}, seed 1): federated accuracy`, value: pts(r.federatedAccuracy), unit: "%", note: "10 devices, 15 rounds, logistic regression on 4 vibration features, held-out windows of all devices" });
        out.push({ name: `federated learning (${split}, seed 1): centralised accuracy`, value: pts(r.centralisedAccuracy), unit: "%", note: "same windows pooled, same model, rounds x local epochs of full-batch steps" });
      }
    }
    const split = iid ? "IID" : "non-IID";
    out.push({ name: `federated - centralised (${split}), worst of seeds 1-5`, value: Math.round(Math.min(...gaps) * 10) / 10, unit: "points", note: `goal: within 2 points; all: ${gaps.map((g) => g.toFixed(1)).join(", ")}` });
    out.push({ name: `raw samples egressed (${split}, 5 runs)`, value: raw, unit: "samples", note: "must be 0: every message on the site checked for 4 consecutive raw samples of any device" });
    out.push({ name: `federated learning (${split}): wall time per run`, value: Math.round((performance.now() - t0) / 5), unit: "ms", note: `virtual ${last!.virtualMs.toFixed(0)} ms per run` });
    if (!iid) {
      out.push({ name: "bytes per update (signed envelope)", value: last!.updateBytes, unit: "B", note: `5 float64 weights; the device's raw windows: ${last!.rawBytesPerDevice} B` });
      out.push({ name: "update / raw data per device", value: Math.round((last!.updateBytes * 15 * 1e4) / last!.rawBytesPerDevice) / 1e4, unit: "ratio", note: "15 rounds of updates against shipping the windows once" });
    }
  }
  const k = runFederation({ devices: 10, rounds: 15, seed: 1, killAggregatorAtRound: 5 });
  out.push({ name: "aggregator killed at round 5: federated accuracy", value: pts(k.federatedAccuracy), unit: "%", note: `new aggregator ${k.aggregators[1]?.device} (term ${k.aggregators[1]?.term}) went on from round ${k.aggregators[1]?.fromRound}` });
  return out;
}
