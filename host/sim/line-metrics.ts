// What a production manager asks of a run: throughput, how well defects were
// caught (against the line's ground truth), how long a defect stayed on the
// line, and how busy the robots were.
import type { ProductionLine } from "../hal/index.ts";
import type { TraceEvent } from "../kernel/index.ts";
import { taskStories } from "./tasks.ts";

export interface LineMetrics {
  items: number;
  perMinute: number;
  flagged: number;
  trueDefects: number;
  caught: number;
  falseAlarms: number;
  /** defect flagged -> item off the line (robot done), ms */
  removalMs: { mean: number; max: number; count: number };
  /** defect flagged -> quality verdict, ms */
  verdictMs: { mean: number; max: number; count: number };
  /** per robot device: fraction of the run spent on awarded moves */
  utilisation: Record<string, number>;
}

const body = (e: TraceEvent) => (e.data?.body ?? {}) as Record<string, unknown>;
const stats = (xs: number[]) => ({ mean: xs.length ? Math.round(xs.reduce((a, b) => a + b, 0) / xs.length) : 0, max: xs.length ? Math.max(...xs) : 0, count: xs.length });

export function lineMetrics(trace: TraceEvent[], line: ProductionLine, durationMs: number): LineMetrics {
  const items = new Map<number, boolean>();
  const flaggedAt = new Map<number, number>();
  const removal: number[] = [];
  const verdict: number[] = [];
  for (const e of trace) {
    if (e.type !== "publish") continue;
    const topic = e.data?.topic;
    const item = Number(body(e).item);
    if (topic === "event/defect") flaggedAt.set(item, e.t);
    else if (topic === "line/removed" && flaggedAt.has(item)) removal.push(e.t - flaggedAt.get(item)!);
    else if (topic === "qc/result" && flaggedAt.has(item)) verdict.push(e.t - flaggedAt.get(item)!);
  }
  for (let i = 0; i < line.itemAt(durationMs); i++) items.set(i, line.defective(i));
  const trueDefects = [...items.values()].filter(Boolean).length;
  const caught = [...flaggedAt.keys()].filter((i) => line.defective(i)).length;
  const utilisation: Record<string, number> = {};
  for (const t of taskStories(trace))
    if (t.contractorDevice && t.awardedAt !== undefined)
      utilisation[t.contractorDevice] = (utilisation[t.contractorDevice] ?? 0) + ((t.doneAt ?? t.failedAt ?? durationMs) - t.awardedAt) / durationMs;
  for (const k of Object.keys(utilisation)) utilisation[k] = +utilisation[k]!.toFixed(3);
  return {
    items: items.size,
    perMinute: +((items.size * 60_000) / durationMs).toFixed(1),
    flagged: flaggedAt.size,
    trueDefects,
    caught,
    falseAlarms: flaggedAt.size - caught,
    removalMs: stats(removal),
    verdictMs: stats(verdict),
    utilisation,
  };
}
