// Human-readable output of a run: a timeline and a summary table.
import { topicMatches } from "../kernel/index.ts";
import { formatMs } from "./duration.ts";
import type { SimResult } from "./runner.ts";

const MARK: Record<string, string> = {
  start: "+",
  log: " ",
  publish: ">",
  deliver: "<",
  actuator: "!",
  model: "*",
  fault: "x",
  restart: "~",
  quarantine: "#",
  refused: "-",
  dropped: "-",
};

/** The timeline as lines; publishes on `quiet` topics are left out (they are counted in the summary). */
export function timelineLines(r: SimResult, quiet: string[], limit = 200): string[] {
  const lines: string[] = [];
  let hidden = 0;
  for (const e of r.trace) {
    const topic = e.data?.topic;
    if (e.type === "publish" && typeof topic === "string" && quiet.some((q) => topicMatches(q, topic))) continue;
    if (lines.length >= limit) {
      hidden++;
      continue;
    }
    const who = `${e.device}${e.agent ? "/" + e.agent : ""}`;
    lines.push(`${formatMs(e.t).padStart(11)}  ${MARK[e.type] ?? " "} ${who.padEnd(30)} ${e.type === "publish" ? "publish " : ""}${e.text}`);
  }
  if (hidden > 0) lines.push(`             … ${hidden} more event(s) (see --json)`);
  return lines;
}

export function summaryLines(r: SimResult): string[] {
  const lines = [
    `scenario ${r.scenario}, seed ${r.seed}: ${formatMs(r.simulatedMs)} simulated in ${r.wallMs.toFixed(0)} ms wall` +
      ` (${(r.simulatedMs / Math.max(1, r.wallMs)).toFixed(1)}x real time), ${r.eventsRun} events${r.stoppedEarly ? " — stopped early" : ""}`,
    `network: ${r.network}; messages: ${r.messages.published} published, ${r.messages.delivered} delivered, latency p50 ${r.messages.latencyMs.p50} ms, p99 ${r.messages.latencyMs.p99} ms${Object.keys(r.messages.refused).length ? `, refused ${JSON.stringify(r.messages.refused)}` : ""}`,
    "",
    `${"device/agent".padEnd(32)}${"status".padEnd(13)}${"events".padStart(8)}${"fuel/event".padStart(12)}${"max fuel".padStart(10)}${"mem KiB".padStart(9)}${"pub".padStart(6)}${"recv".padStart(6)}${"faults".padStart(8)}`,
  ];
  for (const a of r.agents) {
    const m = a.metrics;
    lines.push(
      `${`${a.device}/${a.agent}`.padEnd(32)}${a.status.padEnd(13)}${String(m.events).padStart(8)}${(m.events ? Math.round(m.fuelUsed / m.events) : 0).toString().padStart(12)}${String(m.fuelMaxPerEvent).padStart(10)}${(m.memoryBytes / 1024).toFixed(0).padStart(9)}${String(m.published).padStart(6)}${String(m.received).padStart(6)}${String(m.faults).padStart(8)}`,
    );
    if (a.lastFault) lines.push(`    last fault: ${a.lastFault}`);
  }
  if (r.actuators.length) {
    lines.push("");
    for (const a of r.actuators)
      lines.push(`actuator ${a.device}/${a.alias}: ${a.commands} command(s)${a.firstAtMs !== undefined ? `, first at ${formatMs(a.firstAtMs)}` : ""}`);
  }
  if (r.line) {
    const l = r.line;
    lines.push(
      "",
      `line: ${l.items} items (${l.perMinute}/min); ${l.trueDefects} defective, ${l.caught} caught, ${l.falseAlarms} false alarm(s) (re-checked at quality)`,
      `defect flagged -> off the line: mean ${l.removalMs.mean} ms, max ${l.removalMs.max} ms (${l.removalMs.count}); -> quality verdict: mean ${l.verdictMs.mean} ms`,
      `robot utilisation: ${Object.entries(l.utilisation).map(([k, v]) => `${k} ${(100 * v).toFixed(0)}%`).join(", ") || "none"}`,
    );
  }
  if (r.expectations.length) {
    lines.push("");
    for (const e of r.expectations) lines.push(`${e.ok ? "PASS" : "FAIL"}  ${e.text}: ${e.detail}`);
  }
  return lines;
}

/** The result without the full trace, for --json and summary.json. */
export function summaryJson(r: SimResult): Omit<SimResult, "trace"> & { traceEvents: number } {
  const { trace, ...rest } = r;
  return { ...rest, traceEvents: trace.length };
}
