// Durations in scenarios and flags: "250ms", "10s", "2m", "1h", or a number of milliseconds.

export function parseDuration(v: unknown, what = "duration"): number {
  if (typeof v === "number" && Number.isFinite(v) && v >= 0) return v;
  if (typeof v === "string") {
    const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$/.exec(v);
    if (m) {
      const n = Number(m[1]);
      const unit = m[2] ?? "ms";
      return n * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[unit as "ms" | "s" | "m" | "h"];
    }
  }
  throw new RangeError(`${what}: expected a duration like 500ms, 10s or 2m (got ${JSON.stringify(v)})`);
}

export function formatMs(ms: number): string {
  if (ms < 1000) return `${ms.toFixed(0)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(3)} s`;
  const m = Math.floor(ms / 60_000);
  const rest = ms % 60_000;
  // whole seconds read as "2m05s", others keep the milliseconds: "2m05.250s"
  return rest % 1000 === 0 ? `${m}m${String(rest / 1000).padStart(2, "0")}s` : `${m}m${(rest / 1000).toFixed(3).padStart(6, "0")}s`;
}
