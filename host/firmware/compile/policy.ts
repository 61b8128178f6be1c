// The site policy as the firmware's tables (firmware/runtime/policy.h), from the same parsed
// YAML the host kernel enforces: what each agent's sensors make of its publishes, the topics'
// classes, egress, local-only topics, rate limits, each agent's task rule and shared actuators.
// Per-agent values are resolved here, at build time, so the device compares indexes, not names.
import { sensorClass, taskRuleOf, type DataClass, type SitePolicy } from "../../governance/index.ts";
import type { Manifest } from "../../kernel/index.ts";
import { FirmwareBuildError } from "./targets.ts";

const CLASS: Record<DataClass, number> = { public: 0, derived: 1, raw: 2 };
const cstr = (s: string) => JSON.stringify(s);
/** A double literal C reads back to the same value (JS's shortest round-trip form). */
const cnum = (x: number) => (Number.isInteger(x) ? `${x}.0` : `${x}`);

function sensorsOf(m: Manifest): string[] {
  return m.capabilities.filter((c) => c.startsWith("sensor:")).map((c) => c.slice(7));
}

/** The most sensitive class an agent's granted sensors yield (a sensor the site does not name is raw). */
export function agentClass(policy: SitePolicy, m: Manifest): DataClass {
  return sensorClass(policy, sensorsOf(m));
}

const MAX_U8 = 255;

export function policySource(policy: SitePolicy, manifests: readonly Manifest[], deviceId: string): string {
  const n = Math.max(1, manifests.length);
  const acts = [...policy.actuators];
  for (const [what, count] of [["topic classes", policy.topics.length], ["local-only topics", policy.localOnly.length], ["rate limits", policy.rateLimits.length], ["actuator rules", acts.length]] as const)
    if (count > MAX_U8) throw new FirmwareBuildError(`${policy.file}: the firmware takes at most ${MAX_U8} ${what}, the policy has ${count}`);
  const out: string[] = ['#include "policy.h"', `/* site policy ${policy.file} */`];
  const arr = (decl: string, items: string[], empty: string) => out.push(`${decl}[] = {${items.length ? items.join(", ") : empty}};`);
  arr("static const colony_policy_topic_t policy_topics", policy.topics.map(([f, c]) => `{${cstr(f)}, ${CLASS[c]}}`), "{0, 0}");
  arr("static const char *const policy_local", policy.localOnly.map(cstr), "0");
  arr(
    "static const colony_policy_rate_t policy_rates",
    policy.rateLimits.map((r) => `{${cstr(r.agent)}, ${cstr(r.topic)}, ${cnum(r.perSecond)}, ${cnum(r.burst)}, ${cstr(`more than ${r.perSecond}/s on "${r.topic}" (burst ${r.burst})`)}}`),
    "{0, 0, 0, 0, 0}",
  );
  out.push(`static colony_policy_bucket_t policy_buckets[${Math.max(1, policy.rateLimits.length * n)}];`);
  arr("static const uint8_t policy_agent_class", manifests.map((m) => `${CLASS[agentClass(policy, m)]}`), "0");
  arr("static const colony_policy_task_t policy_tasks", manifests.map((m) => {
    const t = taskRuleOf(policy, deviceId, m.name);
    return `{${t.priority}, ${t.preempt ? 1 : 0}}`;
  }), "{0, 0}");
  acts.forEach(([, rule], i) => arr(`static const int32_t policy_act${i}_priority`, manifests.map((m) => `${rule.priorities.get(m.name) ?? 0}`), "0"));
  arr("static const colony_policy_actuator_t policy_actuators", acts.map(([name, rule], i) => `{${cstr(name)}, ${rule.rule === "first" ? 1 : 0}, ${rule.holdMs}u, policy_act${i}_priority}`), "{0, 0, 0, 0}");
  arr("static colony_policy_holder_t policy_holders", acts.map(() => "{-1, 0}"), "{-1, 0}");
  out.push(
    `static uint32_t policy_refused[${4 + policy.rateLimits.length + acts.length}];`,
    "static const colony_policy_t site_policy = {",
    `  ${cstr(policy.file)}, policy_topics, ${policy.topics.length}, ${[...policy.egress].reduce((b, c) => b | (1 << CLASS[c]), 0)}u,`,
    `  policy_local, ${policy.localOnly.length}, policy_rates, ${policy.rateLimits.length}, policy_buckets,`,
    `  policy_agent_class, policy_tasks, policy_actuators, ${acts.length}, policy_holders, policy_refused,`,
    "};",
    "const colony_policy_t *const colony_policy = &site_policy;",
  );
  return out.join("\n");
}

/** No policy: the firmware enforces the manifests alone. */
export const NO_POLICY_SOURCE = '#include "policy.h"\nconst colony_policy_t *const colony_policy = 0;';
