// Text views of a rollout: a live block for a terminal, one line per change otherwise.
import type { RolloutProgress } from "./controller.ts";
import type { Phase } from "./messages.ts";

export interface RolloutCounts {
  readonly total: number;
  readonly waiting: number;
  readonly active: number;
  readonly committed: number;
  readonly rolledBack: number;
  readonly refused: number;
  readonly timedOut: number;
}

export function countRollout(p: RolloutProgress): RolloutCounts {
  const devices = p.record.waves.flat();
  const c = { total: devices.length, waiting: 0, active: 0, committed: 0, rolledBack: 0, refused: 0, timedOut: 0 };
  for (const d of devices) {
    const s = p.statuses.get(d);
    const phase: Phase = s && s.rollout === p.record.id ? s.phase : "idle";
    if (phase === "committed") c.committed++;
    else if (phase === "rolled-back") c.rolledBack++;
    else if (phase === "refused") c.refused++;
    else if (p.timedOut.has(d)) c.timedOut++;
    else if (phase === "idle") c.waiting++;
    else c.active++;
  }
  return c;
}

function bar(done: number, total: number, width = 30): string {
  const n = total ? Math.round((done / total) * width) : 0;
  return "#".repeat(n) + "-".repeat(width - n);
}

/** Several lines, redrawn in place on a TTY. */
export function renderRollout(p: RolloutProgress): string {
  const r = p.record;
  const c = countRollout(p);
  const finished = c.committed + c.rolledBack + c.refused + c.timedOut;
  const lines = [
    `rollout ${r.id}: ${r.agent}@${r.version} -> ${r.target}  [${r.state}]`,
    `  [${bar(finished, c.total)}] ${finished}/${c.total}  wave ${Math.min(r.wavesDone + (r.state === "running" ? 1 : 0), r.waves.length)}/${r.waves.length} (canary ${r.canaryPercent}%, halt on ${r.haltOnPercent}%)`,
    `  committed ${c.committed}  rolled back ${c.rolledBack}  refused ${c.refused}  timed out ${c.timedOut}  in progress ${c.active}  waiting ${c.waiting}`,
  ];
  if (r.reason) lines.push(`  ${r.reason}`);
  const reasons = new Map<string, number>();
  for (const s of p.statuses.values()) if (s.rollout === r.id && s.reason) reasons.set(s.reason, (reasons.get(s.reason) ?? 0) + 1);
  if (reasons.size) lines.push(`  reasons: ${[...reasons].map(([k, n]) => `${k} x${n}`).join(", ")}`);
  return lines.join("\n");
}

/** One line, for logs and pipes. */
export function rolloutLine(p: RolloutProgress): string {
  const r = p.record;
  const c = countRollout(p);
  return `${r.id} ${r.state} wave ${r.wavesDone}/${r.waves.length} committed=${c.committed} rolled-back=${c.rolledBack} refused=${c.refused} timed-out=${c.timedOut} active=${c.active} waiting=${c.waiting}`;
}
