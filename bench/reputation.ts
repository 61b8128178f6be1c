// Reputation (#12): the deceptive quadruped's share of the pump room's awards with the drone's
// reputation off and on (scenarios/pump-room-deceptive.yaml, one run each, same seed), and
// what reputation costs in wall time on the same run.
import { readFileSync } from "node:fs";
import { parseScenario, runScenario } from "../host/sim/index.ts";
import { awardsByDevice } from "../host/sim/tasks.ts";
import type { BenchResult } from "./types.ts";

const FILE = "scenarios/pump-room-deceptive.yaml";
const LIAR = "quadruped-4";
const ON = "\n          reputation: true\n";

export async function run(): Promise<BenchResult[]> {
  const text = readFileSync(FILE, "utf8");
  if (!text.includes(ON)) throw new Error(`${FILE} no longer sets reputation: true`);
  const shares: Record<string, { share: number; awards: number; wallMs: number }> = {};
  for (const [label, t] of [["off", text.replace(ON, "\n          reputation: false\n")], ["on", text]] as const) {
    const r = await runScenario(parseScenario(t, FILE));
    const a = awardsByDevice(r.trace);
    shares[label] = { share: a.total ? (a.byDevice[LIAR] ?? 0) / a.total : 0, awards: a.total, wallMs: r.wallMs };
  }
  const pct = (x: number) => Math.round(x * 1000) / 10;
  return [
    { name: "reputation: deceptive agent's award share, reputation off", value: pct(shares.off!.share), unit: "%", note: `${Math.round(shares.off!.share * shares.off!.awards)}/${shares.off!.awards} awards` },
    { name: "reputation: deceptive agent's award share, reputation on", value: pct(shares.on!.share), unit: "%", note: `${Math.round(shares.on!.share * shares.on!.awards)}/${shares.on!.awards} awards (goal < 10%)` },
    { name: "reputation: wall time on / off (same scenario)", value: Math.round((shares.on!.wallMs / shares.off!.wallMs) * 100) / 100, unit: "x", note: "the runs differ in tasks too: off re-tenders each contradicted report" },
  ];
}
