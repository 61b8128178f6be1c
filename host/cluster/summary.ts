// One shard's run, small enough to send to the parent: the counts the merged summary adds up,
// not the shard's 75,000 agent rows.
import { agentGroups, type AgentGroup } from "../sim/aggregate.ts";
import type { SimResult } from "../sim/index.ts";
import type { BridgeCounts } from "./shard-link.ts";

/** The counts a shard reports and the cluster adds up. */
export interface FleetCounts {
  devices: number;
  agents: number;
  /** clock events run, and of them events dispatched to agents */
  eventsRun: number;
  agentEvents: number;
  messages: { published: number; delivered: number };
  faults: number;
  restarts: number;
  notRunning: number;
}

export interface ShardSummary extends FleetCounts {
  shard: number;
  /** the shard's devices: the scenario's devices from..to-1 */
  from: number;
  to: number;
  broker: string;
  simulatedMs: number;
  wallMs: number;
  setupMs: number;
  /** wall time from the start barrier to the last one: the clock running (and waiting for the others) */
  runMs: number;
  /** when the start barrier released (ms since the epoch, comparable across processes) */
  clockStartedAt: number;
  agentGroups: AgentGroup[];
  expectations: { text: string; ok: boolean; detail: string }[];
  bridge: BridgeCounts;
  /** resident set before the scenario was read, and the most seen during the run */
  rssMiB: { base: number; peak: number };
}

export function shardSummary(r: SimResult, s: Pick<ShardSummary, "shard" | "from" | "to" | "broker" | "runMs" | "clockStartedAt" | "bridge" | "rssMiB">): ShardSummary {
  let agentEvents = 0;
  let faults = 0;
  let restarts = 0;
  for (const a of r.agents) {
    agentEvents += a.metrics.events;
    faults += a.metrics.faults;
    restarts += a.metrics.restarts;
  }
  return {
    ...s,
    devices: r.devices.length,
    agents: r.agents.length,
    simulatedMs: r.simulatedMs,
    wallMs: Math.round(r.wallMs),
    setupMs: Math.round(r.setupMs),
    eventsRun: r.eventsRun,
    agentEvents,
    messages: { published: r.messages.published, delivered: r.messages.delivered },
    faults,
    restarts,
    notRunning: r.agents.filter((a) => a.status !== "running").length,
    agentGroups: agentGroups(r.agents),
    expectations: r.expectations,
  };
}
