// What a device computes from a raw window before anything is learned: a few numbers a
// vibration engineer would look at. Derived data: a window cannot be rebuilt from them.
export const FEATURES = ["log rms", "crest factor", "roughness (rms of the first difference / rms)", "peak-to-peak / rms"];

export function featuresOf(w: Float32Array): Float64Array {
  let sum = 0;
  for (const v of w) sum += v;
  const mean = sum / w.length;
  let sq = 0;
  let peak = 0;
  let lo = Infinity;
  let hi = -Infinity;
  let dsq = 0;
  for (let i = 0; i < w.length; i++) {
    const v = w[i]! - mean;
    sq += v * v;
    peak = Math.max(peak, Math.abs(v));
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
    if (i > 0) {
      const d = w[i]! - w[i - 1]!;
      dsq += d * d;
    }
  }
  const rms = Math.sqrt(sq / w.length) || 1e-9;
  return Float64Array.from([Math.log(rms), peak / rms, Math.sqrt(dsq / (w.length - 1)) / rms, (hi - lo) / rms]);
}
