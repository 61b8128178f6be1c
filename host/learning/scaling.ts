// Standardisation with the site's feature statistics (from round 0's sums), the same on
// every device and in the centralised baseline.
import type { Sample } from "./data.ts";

export interface Scaling {
  mean: Float64Array;
  std: Float64Array;
}

export function standardise(samples: readonly Sample[], s: Scaling): Sample[] {
  return samples.map(({ x, y }) => ({ x: x.map((v, k) => (v - s.mean[k]!) / s.std[k]!), y }));
}
