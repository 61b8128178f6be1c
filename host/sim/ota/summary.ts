// The rollout told as a person reads it: where it ended, how far the waves got, and what
// each device runs now, for the text summary and the HTML report.
import type { OtaResult } from "./fleet-ota.ts";

export function otaLines(o: OtaResult): string[] {
  const lines = [`OTA: ${o.agent} ${o.from} -> ${o.to}`];
  if (o.rollout) {
    const r = o.rollout;
    lines.push(`  rollout ${r.id}: ${r.state}${r.reason ? ` (${r.reason})` : ""}; waves ${r.waves.map((w, i) => `${i === 0 ? "canary " : ""}${w.length}`).join(" + ")}, ${r.wavesDone} done`);
  }
  lines.push(`  states: ${o.history.map((h) => `${h.state} at ${(h.t / 1000).toFixed(1)} s`).join(" -> ") || "none"}`);
  const byVersion = new Map<string, number>();
  for (const d of o.devices) byVersion.set(d.running ?? "nothing", (byVersion.get(d.running ?? "nothing") ?? 0) + 1);
  lines.push(`  devices now run: ${[...byVersion].map(([v, n]) => `${v} on ${n}`).join(", ")}`);
  const refused = o.devices.filter((d) => d.reason);
  if (refused.length > 0) {
    const why = new Map<string, string[]>();
    for (const d of refused) why.set(`${d.reason}: ${d.detail?.replace(d.id, "<device>") ?? ""}`, [...(why.get(`${d.reason}: ${d.detail?.replace(d.id, "<device>") ?? ""}`) ?? []), d.id]);
    for (const [w, ids] of why) lines.push(`  ${ids.length} device(s) ${ids.slice(0, 6).join(", ")}${ids.length > 6 ? ", …" : ""}: ${w}`);
  }
  if (o.error) lines.push(`  error: ${o.error}`);
  return lines;
}
