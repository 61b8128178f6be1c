// The merged summary of `colony cluster` as text.
import { formatMs } from "../sim/index.ts";
import type { ClusterSummary } from "./merge.ts";

export function clusterLines(s: ClusterSummary): string[] {
  const b = s.bridge;
  const lines = [
    `cluster ${s.scenario}: ${s.devices} devices, ${s.agents} agents in ${s.shards} shard(s) on ${s.brokers} bridged Mosquitto broker(s)${s.ok ? "" : " — FAILED"}`,
    `${formatMs(s.simulatedMs)} simulated in ${formatMs(s.runMs)} after ${formatMs(s.startupMs)} of start-up: ${s.rtf}x real time (${s.rtfWithStartup}x with start-up)`,
    `${s.eventsRun} events (${s.agentEvents} to agents); messages: ${s.messages.published} published, ${s.messages.delivered} delivered`,
    `across the brokers: ${b.published} published, ${b.received} received by other shards, ${b.lost} lost; ${b.late} arrived after their publish time on the receiving clock (mean ${b.lateMeanMs} ms, max ${b.lateMaxMs} ms); ${b.syncs} barriers, at most ${formatMs(b.waitMsMax)} waiting in a shard`,
    `faults ${s.faults}, restarts ${s.restarts}, agents not running ${s.notRunning}`,
    `memory: ${s.memory.rssMiB} MiB RSS over the shard processes (${s.memory.perAgentKiB} KiB/agent; ${s.memory.perAgentAboveBaseKiB} KiB/agent above each process's ${s.shards ? (s.memory.baseMiB / s.shards).toFixed(0) : 0} MiB at start)`,
    "",
    `${"agent".padEnd(24)}${"count".padStart(8)}${"running".padStart(9)}${"events".padStart(11)}${"fuel/event".padStart(12)}${"pub".padStart(10)}${"recv".padStart(11)}${"faults".padStart(8)}`,
  ];
  for (const g of s.agentGroups)
    lines.push(`${g.agent.padEnd(24)}${String(g.count).padStart(8)}${String(g.status.running ?? 0).padStart(9)}${String(g.events).padStart(11)}${String(g.fuelPerEvent).padStart(12)}${String(g.published).padStart(10)}${String(g.received).padStart(11)}${String(g.faults).padStart(8)}`);
  lines.push("", `${"shard".padEnd(7)}${"devices".padEnd(16)}${"broker".padEnd(24)}${"events".padStart(11)}${"published".padStart(11)}${"bridged in".padStart(12)}${"RSS MiB".padStart(9)}`);
  for (const r of s.shardResults)
    lines.push(`${String(r.shard).padEnd(7)}${`${r.from}..${r.to - 1}`.padEnd(16)}${r.broker.replace("mqtt://", "").padEnd(24)}${String(r.eventsRun).padStart(11)}${String(r.messages.published).padStart(11)}${String(r.bridge.received).padStart(12)}${String(r.rssMiB.peak).padStart(9)}`);
  for (const f of s.failed) lines.push(`shard ${f.shard} FAILED: ${f.error}`);
  return lines;
}
