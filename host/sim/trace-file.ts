// trace.json: the run's events as a JSON array, written a batch at a time so a big
// fleet's trace never has to exist as one string. For big runs it is bounded unless
// the user asks for every event: publishes on the scenario's quiet topics are counted,
// not written, and at most TRACE_LIMIT events go in.
import { closeSync, openSync, writeSync } from "node:fs";
import { topicMatches, type TraceEvent } from "../kernel/index.ts";
import { jsonBodies } from "./body-text.ts";

export const TRACE_LIMIT = 50_000;
const BATCH = 2_000;

export interface TraceWritten {
  events: number;
  written: number;
  /** events not written, by reason */
  leftOut: { quietTopics: number; overLimit: number };
}

/** The events a bounded trace keeps (all of them with `all`), counting what it leaves out. */
export function selectTrace(trace: readonly TraceEvent[], o: { all: boolean; quiet: readonly string[] }): { events: TraceEvent[]; counts: TraceWritten } {
  const counts: TraceWritten = { events: trace.length, written: 0, leftOut: { quietTopics: 0, overLimit: 0 } };
  if (o.all) return { events: [...trace], counts: { ...counts, written: trace.length } };
  const events: TraceEvent[] = [];
  for (const e of trace) {
    const topic = e.data?.topic;
    if ((e.type === "publish" || e.type === "deliver") && typeof topic === "string" && o.quiet.some((q) => topicMatches(q, topic))) {
      counts.leftOut.quietTopics++;
      continue;
    }
    if (events.length >= TRACE_LIMIT) {
      counts.leftOut.overLimit++;
      continue;
    }
    events.push(e);
  }
  counts.written = events.length;
  return { events, counts };
}

export function writeTrace(file: string, trace: readonly TraceEvent[], o: { all: boolean; quiet: readonly string[] }): TraceWritten {
  const { events, counts } = selectTrace(trace, o);
  const fd = openSync(file, "w");
  try {
    writeSync(fd, "[");
    for (let i = 0; i < events.length; i += BATCH)
      writeSync(fd, (i > 0 ? "," : "") + events.slice(i, i + BATCH).map((e) => JSON.stringify(e, jsonBodies)).join(","));
    writeSync(fd, "]\n");
  } finally {
    closeSync(fd);
  }
  return counts;
}
