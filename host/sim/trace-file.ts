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

export function writeTrace(file: string, trace: readonly TraceEvent[], o: { all: boolean; quiet: readonly string[] }): TraceWritten {
  const fd = openSync(file, "w");
  const out: TraceWritten = { events: trace.length, written: 0, leftOut: { quietTopics: 0, overLimit: 0 } };
  try {
    writeSync(fd, "[");
    let batch: string[] = [];
    const flush = () => {
      if (batch.length === 0) return;
      writeSync(fd, (out.written > batch.length ? "," : "") + batch.join(","));
      batch = [];
    };
    for (const e of trace) {
      if (!o.all) {
        const topic = e.data?.topic;
        if ((e.type === "publish" || e.type === "deliver") && typeof topic === "string" && o.quiet.some((q) => topicMatches(q, topic))) {
          out.leftOut.quietTopics++;
          continue;
        }
        if (out.written >= TRACE_LIMIT) {
          out.leftOut.overLimit++;
          continue;
        }
      }
      batch.push(JSON.stringify(e, jsonBodies));
      out.written++;
      if (batch.length >= BATCH) flush();
    }
    flush();
    writeSync(fd, "]\n");
  } finally {
    closeSync(fd);
  }
  return out;
}
