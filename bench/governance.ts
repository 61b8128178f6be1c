// Governance (#12): what the site policy's check costs on every publish, as the wall time of
// the same fleet run with and without a policy (best of 3 interleaved rounds in one process).
import { parsePolicy } from "../host/governance/index.ts";
import { loadScenario, runScenario, type Scenario } from "../host/sim/index.ts";
import type { BenchResult } from "./types.ts";

const POLICY = `
dataClasses: { battery0: public }
topics: { presence/#: public, state/#: public, cnet/#: derived }
egress: [public, derived]
rateLimits:
  - { agent: "*", topic: "cnet/#", perSecond: 50, burst: 100 }
`;

export async function run(): Promise<BenchResult[]> {
  const base = loadScenario("scenarios/fleet-1000.yaml");
  const governed: Scenario = { ...base, policy: parsePolicy(POLICY, "bench-policy.yaml") };
  const best = { plain: Infinity, policy: Infinity };
  let checks = 0;
  let refused = 0;
  let published = 0;
  for (let round = 0; round < 3; round++) {
    const a = await runScenario(base, { durationMs: 10_000 });
    best.plain = Math.min(best.plain, a.wallMs);
    const b = await runScenario(governed, { durationMs: 10_000 });
    best.policy = Math.min(best.policy, b.wallMs);
    checks = b.policy!.checks;
    refused = Object.values(b.policy!.refused).reduce((s, x) => s + x, 0);
    published = b.messages.published;
  }
  return [
    { name: "fleet-1000, 10 s: wall time without a policy", value: Math.round(best.plain), unit: "ms", note: "3,000 agents, best of 3" },
    { name: "fleet-1000, 10 s: wall time with the site policy", value: Math.round(best.policy), unit: "ms", note: `${checks} publishes checked (egress class, rate limit), ${refused} refused, ${published} published` },
    { name: "policy checks' overhead on event dispatch", value: Math.round((best.policy / best.plain) * 1000) / 1000, unit: "ratio", note: "goal: <= 1.1x" },
  ];
}
