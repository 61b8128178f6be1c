// Summaries that stay readable for big fleets: one row per agent (kind), the top few by
// a figure, histograms and percentile bands, instead of a row for each of 3,000 agents.
import type { AgentStatus } from "../kernel/index.ts";
import type { AgentResult, DeviceResult } from "./runner.ts";

/** Above this many agents, summaries group them (every agent is listed with --detail). */
export const DETAIL_LIMIT = 40;

export interface AgentGroup {
  agent: string;
  count: number;
  status: Partial<Record<AgentStatus, number>>;
  events: number;
  /** mean over the group of each agent's mean fuel per event */
  fuelPerEvent: number;
  maxFuel: number;
  memoryKiB: number;
  published: number;
  received: number;
  faults: number;
}

export function agentGroups(agents: readonly AgentResult[]): AgentGroup[] {
  const groups = new Map<string, AgentGroup & { fuelSum: number }>();
  for (const a of agents) {
    let g = groups.get(a.agent);
    if (!g) {
      g = { agent: a.agent, count: 0, status: {}, events: 0, fuelPerEvent: 0, fuelSum: 0, maxFuel: 0, memoryKiB: 0, published: 0, received: 0, faults: 0 };
      groups.set(a.agent, g);
    }
    const m = a.metrics;
    g.count++;
    g.status[a.status] = (g.status[a.status] ?? 0) + 1;
    g.events += m.events;
    g.fuelSum += m.events ? m.fuelUsed / m.events : 0;
    g.maxFuel = Math.max(g.maxFuel, m.fuelMaxPerEvent);
    g.memoryKiB = Math.max(g.memoryKiB, m.memoryBytes / 1024);
    g.published += m.published;
    g.received += m.received;
    g.faults += m.faults;
  }
  return [...groups.values()].map(({ fuelSum, ...g }) => ({ ...g, fuelPerEvent: Math.round(fuelSum / g.count) }));
}

/** The `n` agents with the largest `by`, largest first (ties in input order). */
export function topAgents(agents: readonly AgentResult[], n: number, by: (a: AgentResult) => number): AgentResult[] {
  return agents
    .map((a, i) => ({ a, i, v: by(a) }))
    .sort((x, y) => y.v - x.v || x.i - y.i)
    .slice(0, n)
    .map((x) => x.a);
}

export interface Histogram {
  /** bin i holds values in [edges[i], edges[i+1]); the last bin includes its upper edge */
  edges: number[];
  counts: number[];
}

export function histogram(values: readonly number[], bins = 10): Histogram {
  if (values.length === 0) return { edges: [], counts: [] };
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  if (lo === hi) return { edges: [lo, hi], counts: [values.length] };
  const w = (hi - lo) / bins;
  const counts = new Array<number>(bins).fill(0);
  for (const v of values) counts[Math.min(bins - 1, Math.floor((v - lo) / w))]!++;
  return { edges: Array.from({ length: bins + 1 }, (_, i) => round(lo + i * w)), counts };
}

/** [time, min, p10, p50, p90, max] of every device's battery level at each sample time. */
export function batteryBands(devices: readonly DeviceResult[]): [number, number, number, number, number, number][] {
  const first = devices[0];
  if (!first) return [];
  const out: [number, number, number, number, number, number][] = [];
  for (let i = 0; i < first.samples.length; i++) {
    const levels = devices.map((d) => d.samples[i]?.[1]).filter((x): x is number => x !== undefined).sort((a, b) => a - b);
    const q = (p: number) => levels[Math.min(levels.length - 1, Math.floor(p * levels.length))]!;
    out.push([first.samples[i]![0], levels[0]!, q(0.1), q(0.5), q(0.9), levels[levels.length - 1]!]);
  }
  return out;
}

export interface DeviceGroup {
  board: string;
  count: number;
  energyJ: { mean: number; max: number };
  batteryLeft: { min: number; mean: number };
  bytesOut: number;
  bytesIn: number;
  inferences: number;
}

export function deviceGroups(devices: readonly DeviceResult[]): DeviceGroup[] {
  const by = new Map<string, DeviceResult[]>();
  for (const d of devices) by.set(d.board, [...(by.get(d.board) ?? []), d]);
  return [...by.entries()].map(([board, ds]) => ({
    board,
    count: ds.length,
    energyJ: { mean: round(ds.reduce((s, d) => s + d.energy.totalJ, 0) / ds.length), max: round(Math.max(...ds.map((d) => d.energy.totalJ))) },
    batteryLeft: { min: round(Math.min(...ds.map((d) => d.energy.level))), mean: round(ds.reduce((s, d) => s + d.energy.level, 0) / ds.length) },
    bytesOut: ds.reduce((s, d) => s + d.bytesOut, 0),
    bytesIn: ds.reduce((s, d) => s + d.bytesIn, 0),
    inferences: ds.reduce((s, d) => s + d.inferences, 0),
  }));
}

/** Four significant digits: what a person reads, not float noise. */
export function round(v: number): number {
  return Number.isFinite(v) ? Number(v.toPrecision(4)) : v;
}
