// Task allocations as the agents negotiated them, read back from the trace of
// contract-net messages: who called, who bid what, who won, when it was done.
import type { TraceEvent } from "../kernel/index.ts";

export interface TaskStory {
  task: string;
  manager: string;
  capability: string;
  announcedAt: number;
  rounds: number;
  bids: { device: string; bidder: string; cost: number; eta: number; at: number }[];
  awardedAt?: number;
  contractor?: string;
  contractorDevice?: string;
  doneAt?: number;
  result?: unknown;
  failedAt?: number;
  confirmedAt?: number;
  /** the priority its calls carried (what the site policy gives its manager; 0 when none) */
  priority: number;
  /** awards turned down by their winner, with the reason (busy, or a higher-priority task offered at once) */
  refusals: { at: number; round: number; from: string; reason: string }[];
  /** times a contractor dropped this task for a higher-priority one */
  preemptions: { at: number; round: number; from: string; reason: string }[];
}

type Body = Record<string, unknown>;

export function taskStories(trace: TraceEvent[]): TaskStory[] {
  const tasks = new Map<string, TaskStory>();
  for (const e of trace) {
    if (e.type !== "publish" || !e.data?.body || typeof e.data.body !== "object") continue;
    const b = e.data.body as Body;
    const id = typeof b.task === "string" ? b.task : undefined;
    const kind = b.kind;
    if (kind === "cnet.cfp" && id) {
      const t = tasks.get(id);
      if (t) t.rounds++;
      else tasks.set(id, { task: id, manager: e.device, capability: String(b.capability ?? ""), announcedAt: e.t, rounds: 1, bids: [], priority: Number(b.priority ?? 0), refusals: [], preemptions: [] });
      continue;
    }
    const t = id ? tasks.get(id) : undefined;
    if (kind === "cnet.bid" && t) t.bids.push({ device: e.device, bidder: String(b.bidder), cost: Number(b.cost), eta: Number(b.eta), at: e.t });
    else if (kind === "cnet.award" && t) {
      t.awardedAt = e.t;
      t.contractor = String(b.to);
      const bid = t.bids.find((x) => x.bidder === t.contractor);
      if (bid) t.contractorDevice = bid.device;
    } else if (kind === "cnet.refuse" && t && b.from === t.contractor) {
      t.refusals.push({ at: e.t, round: Number(b.round), from: e.device, reason: String(b.reason ?? "") });
      delete t.contractor;
      delete t.contractorDevice;
      delete t.awardedAt;
    } else if (kind === "cnet.done" && t) {
      t.doneAt = e.t;
      t.result = b.result;
    } else if (kind === "cnet.failed" && t) {
      t.failedAt = e.t;
      const reason = String(b.reason ?? "");
      if (reason.startsWith("preempted by ")) t.preemptions.push({ at: e.t, round: Number(b.round), from: e.device, reason });
    }
    else if (e.data.topic === "event/confirmed" && t) t.confirmedAt = e.t;
  }
  return [...tasks.values()];
}

/** Awards per contractor device over a run (a bidder's name mapped to the device that bid under it). */
export function awardsByDevice(trace: TraceEvent[]): { total: number; byDevice: Record<string, number> } {
  const deviceOf = new Map<string, string>();
  const byDevice: Record<string, number> = {};
  let total = 0;
  for (const e of trace) {
    if (e.type !== "publish" || !e.data?.body || typeof e.data.body !== "object") continue;
    const b = e.data.body as Body;
    if (b.kind === "cnet.bid") deviceOf.set(String(b.bidder), e.device);
    else if (b.kind === "cnet.award") {
      const d = deviceOf.get(String(b.to)) ?? String(b.to);
      byDevice[d] = (byDevice[d] ?? 0) + 1;
      total++;
    }
  }
  return { total, byDevice };
}
