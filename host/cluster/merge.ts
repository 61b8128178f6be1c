// The fleet summary of a cluster run: the shards' counts added up, the clock figures of the
// slowest shard (they wait for each other at every barrier), and every failed shard named.
import type { AgentGroup } from "../sim/aggregate.ts";
import type { BridgeCounts } from "./shard-link.ts";
import type { FleetCounts, ShardSummary } from "./summary.ts";

export interface ShardFailure {
  shard: number;
  error: string;
}

export interface ClusterSummary extends FleetCounts {
  scenario: string;
  ok: boolean;
  shards: number;
  brokers: number;
  simulatedMs: number;
  /** the whole run as the parent saw it: brokers started, shards started and run, summaries in */
  wallMs: number;
  /** of wallMs, until the shards' clocks started (brokers, processes, scenario read, agents installed) */
  startupMs: number;
  /** the slowest shard's wall time with its clock running */
  runMs: number;
  /** simulated time per wall time after start-up, and over the whole run */
  rtf: number;
  rtfWithStartup: number;
  bridge: Omit<BridgeCounts, "syncs" | "waitMs"> & { syncs: number; waitMsMax: number };
  memory: { rssMiB: number; baseMiB: number; perAgentKiB: number; perAgentAboveBaseKiB: number };
  agentGroups: AgentGroup[];
  shardResults: ShardSummary[];
  failed: ShardFailure[];
}

export interface MergeInput {
  scenario: string;
  shards: number;
  brokers: number;
  wallMs: number;
  startupMs: number;
  results: ShardSummary[];
  failed: ShardFailure[];
}

export function mergeShards(m: MergeInput): ClusterSummary {
  const rs = [...m.results].sort((a, b) => a.shard - b.shard);
  const sum = (f: (s: ShardSummary) => number) => rs.reduce((n, s) => n + f(s), 0);
  const max = (f: (s: ShardSummary) => number) => rs.reduce((n, s) => Math.max(n, f(s)), 0);
  const agents = sum((s) => s.agents);
  const simulatedMs = rs.length ? Math.min(...rs.map((s) => s.simulatedMs)) : 0;
  const runMs = max((s) => s.runMs);
  const late = sum((s) => s.bridge.late);
  const rss = sum((s) => s.rssMiB.peak);
  const base = sum((s) => s.rssMiB.base);
  return {
    scenario: m.scenario,
    ok: m.failed.length === 0 && rs.length === m.shards,
    shards: m.shards,
    brokers: m.brokers,
    devices: sum((s) => s.devices),
    agents,
    simulatedMs,
    wallMs: Math.round(m.wallMs),
    startupMs: Math.round(m.startupMs),
    runMs,
    rtf: runMs ? +(simulatedMs / runMs).toFixed(3) : 0,
    rtfWithStartup: m.wallMs ? +(simulatedMs / m.wallMs).toFixed(3) : 0,
    eventsRun: sum((s) => s.eventsRun),
    agentEvents: sum((s) => s.agentEvents),
    messages: { published: sum((s) => s.messages.published), delivered: sum((s) => s.messages.delivered) },
    faults: sum((s) => s.faults),
    restarts: sum((s) => s.restarts),
    notRunning: sum((s) => s.notRunning),
    bridge: {
      published: sum((s) => s.bridge.published),
      sent: sum((s) => s.bridge.sent),
      received: sum((s) => s.bridge.received),
      lost: sum((s) => s.bridge.lost),
      late,
      lateMaxMs: max((s) => s.bridge.lateMaxMs),
      lateMeanMs: late ? +(sum((s) => s.bridge.lateMeanMs * s.bridge.late) / late).toFixed(3) : 0,
      syncs: max((s) => s.bridge.syncs),
      waitMsMax: max((s) => s.bridge.waitMs),
    },
    memory: {
      rssMiB: +rss.toFixed(1),
      baseMiB: +base.toFixed(1),
      perAgentKiB: agents ? +((rss * 1024) / agents).toFixed(1) : 0,
      perAgentAboveBaseKiB: agents ? +(((rss - base) * 1024) / agents).toFixed(1) : 0,
    },
    agentGroups: mergeGroups(rs.flatMap((s) => s.agentGroups)),
    shardResults: rs,
    failed: [...m.failed].sort((a, b) => a.shard - b.shard),
  };
}

/** One row per agent kind over every shard (the mean fuel per event weighted by the agents). */
function mergeGroups(groups: AgentGroup[]): AgentGroup[] {
  const by = new Map<string, AgentGroup>();
  for (const g of groups) {
    const m = by.get(g.agent);
    if (!m) {
      by.set(g.agent, { ...g, status: { ...g.status } });
      continue;
    }
    m.fuelPerEvent = Math.round((m.fuelPerEvent * m.count + g.fuelPerEvent * g.count) / (m.count + g.count));
    m.count += g.count;
    for (const [k, v] of Object.entries(g.status) as [keyof AgentGroup["status"], number][]) m.status[k] = (m.status[k] ?? 0) + v;
    m.events += g.events;
    m.maxFuel = Math.max(m.maxFuel, g.maxFuel);
    m.memoryKiB = Math.max(m.memoryKiB, g.memoryKiB);
    m.published += g.published;
    m.received += g.received;
    m.faults += g.faults;
  }
  return [...by.values()];
}
