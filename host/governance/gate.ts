// The policy enforced where a message would leave the device: in the kernel's publish, after
// the manifest's own checks. A publish the policy forbids is refused (the agent gets
// DENIED), counted by reason and traced; the bus never sees it.
import { topicMatches, type ActuateCheck, type PublishCheck, type PublishGate } from "../kernel/index.ts";
import type { DataClass, SitePolicy } from "./policy.ts";
import { carriesTaskPriority, checkTaskClaim, taskRuleOf } from "./task-priority.ts";

const RANK: Record<DataClass, number> = { public: 0, derived: 1, raw: 2 };

/** The most sensitive class the given sensor aliases yield (an alias the site does not name is raw; none is public). */
export function sensorClass(policy: SitePolicy, sensors: readonly string[]): DataClass {
  let worst: DataClass = "public";
  for (const s of sensors) {
    const c = policy.dataClasses.get(s) ?? "raw";
    if (RANK[c] > RANK[worst]) worst = c;
  }
  return worst;
}

export class PolicyGate implements PublishGate {
  /** refusals by reason: "egress:raw", "rate:<topic filter>", "task:priority" */
  readonly refused: Record<string, number> = {};
  /** the reason of the last refusal (the key it was counted under) */
  lastReason?: string;
  checks = 0;
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(private readonly policy: SitePolicy) {}

  /** The class of what an agent publishes on a topic: the site's word for the topic, else the most sensitive sensor it reads. */
  classOf(topic: string, sensors: readonly string[]): DataClass {
    for (const [filter, c] of this.policy.topics) if (topicMatches(filter, topic)) return c;
    return sensorClass(this.policy, sensors);
  }

  /** Topics the site keeps on the device: what is published there reaches only the device's own agents. */
  localOnly(topic: string): boolean {
    return this.policy.localOnly.some((f) => topicMatches(f, topic));
  }

  checkPublish(p: PublishCheck): string | undefined {
    this.checks++;
    const c = this.classOf(p.topic, p.sensors);
    // raw data may go to a topic that never leaves the device
    if (!this.policy.egress.has(c) && !this.localOnly(p.topic)) return this.refuse(`egress:${c}`, `site policy: ${c} data may not leave the device (topic "${p.topic}"; ${this.policy.file})`);
    for (const r of this.policy.rateLimits) {
      if ((r.agent !== "*" && r.agent !== p.agent) || !topicMatches(r.topic, p.topic)) continue;
      const key = `${p.device}/${p.agent}/${r.topic}`;
      const b = this.buckets.get(key) ?? { tokens: r.burst, at: p.now };
      b.tokens = Math.min(r.burst, b.tokens + ((p.now - b.at) / 1000) * r.perSecond);
      b.at = p.now;
      this.buckets.set(key, b);
      if (b.tokens < 1) return this.refuse(`rate:${r.topic}`, `site policy: more than ${r.perSecond}/s on "${r.topic}" (burst ${r.burst})`);
      b.tokens -= 1;
    }
    if (p.body && carriesTaskPriority(p.topic)) {
      const lie = checkTaskClaim(taskRuleOf(this.policy, p.device, p.agent), p.body, p.topic);
      if (lie !== undefined) return this.refuse("task:priority", `site policy: ${p.agent}'s ${p.topic} ${lie} (${this.policy.file})`);
    }
    return undefined;
  }

  private readonly holders = new Map<string, { agent: string; until: number }>();

  /**
   * Two agents commanding one actuator: under "priority" a higher one takes it at once and a
   * lower one is refused while the holder's command holds; under "first" the holder keeps it
   * until its hold runs out. Equal priorities: the holder keeps it. Deterministic by design.
   */
  checkActuate(a: ActuateCheck): string | undefined {
    const rule = this.policy.actuators.get(a.actuator);
    if (!rule) return undefined;
    const key = `${a.device}/${a.actuator}`;
    const cur = this.holders.get(key);
    if (cur && cur.agent !== a.agent && a.now < cur.until) {
      const mine = rule.priorities.get(a.agent) ?? 0;
      const theirs = rule.priorities.get(cur.agent) ?? 0;
      if (rule.rule === "first" || mine <= theirs)
        return this.refuse(`actuator:${a.actuator}`, `site policy: ${a.actuator} is held by ${cur.agent}${rule.rule === "priority" ? ` (priority ${theirs} >= ${mine})` : " (first come)"} for ${Math.round(cur.until - a.now)} ms more`);
    }
    this.holders.set(key, { agent: a.agent, until: a.now + rule.holdMs });
    return undefined;
  }

  private refuse(reason: string, text: string): string {
    this.refused[reason] = (this.refused[reason] ?? 0) + 1;
    this.lastReason = reason;
    return text;
  }
}
