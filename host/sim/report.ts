// Human-readable output of a run: a timeline and a summary table.
import { topicMatches } from "../kernel/index.ts";
import { agentGroups, DETAIL_LIMIT, deviceGroups, histogram, topAgents, type AgentGroup, type DeviceGroup, type Histogram } from "./aggregate.ts";
import { roundedText, shortBody } from "./body-text.ts";
import { economyLines } from "./economy-lines.ts";
import { otaLines } from "./ota/index.ts";
import { formatMs } from "./duration.ts";
import type { AgentResult, DeviceResult, SimResult } from "./runner.ts";

const MARK: Record<string, string> = {
  start: "+",
  log: " ",
  publish: ">",
  deliver: "<",
  actuator: "!",
  model: "*",
  sched: "@",
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
    const body = e.type === "publish" && e.data && "body" in e.data ? `  ${shortBody(e.data.body)}` : "";
    lines.push(`${formatMs(e.t).padStart(11)}  ${MARK[e.type] ?? " "} ${who.padEnd(30)} ${e.type === "publish" ? "publish " : ""}${roundedText(e.text)}${body}`);
  }
  if (hidden > 0) lines.push(`             … ${hidden} more event(s) (see --json)`);
  return lines;
}

/** Whether a summary lists every agent and device (small runs, or --detail) or groups them. */
export function detailed(r: SimResult, detail = false): boolean {
  return detail || r.agents.length <= DETAIL_LIMIT;
}

const TOP = 5;
const fuelPerEvent = (a: AgentResult): number => (a.metrics.events ? Math.round(a.metrics.fuelUsed / a.metrics.events) : 0);

export function summaryLines(r: SimResult, detail = false): string[] {
  const lines = [
    `scenario ${r.scenario}, seed ${r.seed}: ${formatMs(r.simulatedMs)} simulated in ${formatMs(r.wallMs)} wall` +
      ` (${realTimeFactor(r)}x real time), ${r.eventsRun} events${r.stoppedEarly ? " — stopped early" : ""}`,
    `network: ${r.network}; messages: ${r.messages.published} published, ${r.messages.delivered} delivered, latency p50 ${r.messages.latencyMs.p50} ms, p99 ${r.messages.latencyMs.p99} ms${Object.keys(r.messages.refused).length ? `, refused ${JSON.stringify(r.messages.refused)}` : ""}`,
    "",
  ];
  if (detailed(r, detail)) {
    lines.push(`${"device/agent".padEnd(32)}${"status".padEnd(13)}${"events".padStart(8)}${"fuel/event".padStart(12)}${"max fuel".padStart(10)}${"mem KiB".padStart(9)}${"pub".padStart(6)}${"recv".padStart(6)}${"faults".padStart(8)}`);
    for (const a of r.agents) {
      const m = a.metrics;
      lines.push(
        `${`${a.device}/${a.agent}`.padEnd(32)}${a.status.padEnd(13)}${String(m.events).padStart(8)}${String(fuelPerEvent(a)).padStart(12)}${String(m.fuelMaxPerEvent).padStart(10)}${(m.memoryBytes / 1024).toFixed(0).padStart(9)}${String(m.published).padStart(6)}${String(m.received).padStart(6)}${String(m.faults).padStart(8)}`,
      );
      if (a.lastFault) lines.push(`    last fault: ${a.lastFault}`);
    }
  } else lines.push(...groupedAgentLines(r));
  if (r.actuators.length) {
    lines.push("");
    const shown = detailed(r, detail) ? r.actuators : r.actuators.filter((a) => a.commands > 0).slice(0, TOP);
    for (const a of shown)
      lines.push(`actuator ${a.device}/${a.alias}: ${a.commands} command(s)${a.firstAtMs !== undefined ? `, first at ${formatMs(a.firstAtMs)}` : ""}`);
    if (shown.length < r.actuators.length) lines.push(`… ${r.actuators.length} actuators in all, ${r.actuators.filter((a) => a.commands > 0).length} commanded (--detail lists every one)`);
  }
  if (r.ota) lines.push("", ...otaLines(r.ota));
  if (r.policy) {
    const refused = Object.entries(r.policy.refused);
    lines.push("", `site policy ${r.policy.file}: ${r.policy.checks} publish(es) checked, ${refused.length ? refused.map(([k, v]) => `${v} refused (${k})`).join(", ") : "none refused"}`);
  }
  if (r.audit) lines.push(`audit log ${r.audit.file}: ${r.audit.records} signed records (${Object.entries(r.audit.byKind).map(([k, v]) => `${v} ${k}`).join(", ")}); verify with: colony audit verify ${r.audit.file} --key ${r.audit.publicKey}`);
  if (r.economy) lines.push("", ...economyLines(r.economy));
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
    // a run cut short has not had the time its expectations were written for
    if (r.stoppedEarly) lines.push(`expectations checked on a run stopped early at ${formatMs(r.simulatedMs)}:`);
    for (const e of r.expectations) lines.push(`${e.ok ? "PASS" : r.stoppedEarly ? "NOT YET" : "FAIL"}  ${e.text}: ${e.detail}`);
  }
  return lines;
}

/** The agent table of a big run: a row per agent kind, the top few, and every agent not running. */
function groupedAgentLines(r: SimResult): string[] {
  const lines = [
    `${r.agents.length} agents on ${r.devices.length} devices, a row per agent (--detail lists every one):`,
    `${"agent".padEnd(24)}${"count".padStart(7)}${"running".padStart(9)}${"events".padStart(10)}${"fuel/event".padStart(12)}${"max fuel".padStart(10)}${"mem KiB".padStart(9)}${"pub".padStart(9)}${"recv".padStart(10)}${"faults".padStart(8)}`,
  ];
  for (const g of agentGroups(r.agents))
    lines.push(
      `${g.agent.padEnd(24)}${String(g.count).padStart(7)}${String(g.status.running ?? 0).padStart(9)}${String(g.events).padStart(10)}${String(g.fuelPerEvent).padStart(12)}${String(g.maxFuel).padStart(10)}${g.memoryKiB.toFixed(0).padStart(9)}${String(g.published).padStart(9)}${String(g.received).padStart(10)}${String(g.faults).padStart(8)}`,
    );
  lines.push(`top ${TOP} by fuel per event: ${topAgents(r.agents, TOP, fuelPerEvent).map((a) => `${a.device}/${a.agent} ${fuelPerEvent(a)}`).join(", ")}`);
  const down = r.agents.filter((a) => a.status !== "running");
  if (down.length) {
    lines.push(`not running (${down.length}):`);
    for (const a of down.slice(0, 20)) lines.push(`  ${a.device}/${a.agent} ${a.status}${a.lastFault ? `: ${a.lastFault}` : ""}`);
    if (down.length > 20) lines.push(`  … ${down.length - 20} more (--detail)`);
  }
  return lines;
}

export function realTimeFactor(r: SimResult): string {
  const f = r.simulatedMs / Math.max(1, r.wallMs);
  return f >= 10 ? f.toFixed(0) : f.toFixed(1);
}

/** What summary.json and --json hold: the result without the trace, grouped for big runs unless `detail`. */
export type SummaryJson = Omit<SimResult, "trace" | "agents" | "devices"> & {
  traceEvents: number;
  agents?: AgentResult[];
  devices?: DeviceResult[] | Omit<DeviceResult, "samples">[];
  agentGroups?: AgentGroup[];
  agentsTop?: AgentResult[];
  agentsNotRunning?: AgentResult[];
  deviceGroups?: DeviceGroup[];
  histograms?: { fuelPerEvent: Histogram; batteryLeft: Histogram; energyJ: Histogram };
};

export function summaryJson(r: SimResult, detail = false): SummaryJson {
  const { trace, agents, devices, ...rest } = r;
  if (detailed(r, detail)) return { ...rest, agents, devices, traceEvents: trace.length };
  return {
    ...rest,
    traceEvents: trace.length,
    agentGroups: agentGroups(agents),
    agentsTop: topAgents(agents, TOP, fuelPerEvent),
    agentsNotRunning: agents.filter((a) => a.status !== "running").slice(0, 100),
    deviceGroups: deviceGroups(devices),
    histograms: {
      fuelPerEvent: histogram(agents.map(fuelPerEvent)),
      batteryLeft: histogram(devices.map((d) => d.energy.level)),
      energyJ: histogram(devices.map((d) => d.energy.totalJ)),
    },
  };
}
