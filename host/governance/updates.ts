// The site's word on over-the-air updates: which publisher keys may update which agents,
// and what a release may be granted beyond what the running version has. Trust in a key
// (host/ota's TrustStore) says a bundle is authentic; this says it is allowed here: a
// release that would give an agent a new capability or a new topic is an escalation the
// site has to have agreed to, whoever signed it.
import type { SitePolicy, UpdateRule } from "./policy.ts";

/** The parts of an agent's manifest an update can widen. */
export interface UpdateManifest {
  readonly name: string;
  readonly version: string;
  readonly [field: string]: unknown;
}

const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : []);
const hexKey = (k: Uint8Array): string => Buffer.from(k).toString("hex");

/** The rule that decides an agent's updates: the first naming it (or "*"); none: any trusted key, nothing new. */
export function updateRuleOf(policy: SitePolicy, agent: string): UpdateRule {
  return policy.updates.find((r) => r.agents.includes("*") || r.agents.includes(agent)) ?? { agents: ["*"], publishers: ["*"], newCapabilities: "none", newTopics: "none" };
}

export class UpdateGate {
  /** refusals by reason: "update:publisher", "update:capability", "update:topic" */
  readonly refused: Record<string, number> = {};
  checks = 0;

  constructor(private readonly policy: SitePolicy) {}

  /** undefined: the update may go ahead; else why not. */
  check(running: UpdateManifest, next: UpdateManifest, publisher: Uint8Array): string | undefined {
    this.checks++;
    const rule = updateRuleOf(this.policy, next.name);
    const who = `${next.name} ${running.version} -> ${next.version}`;
    const key = hexKey(publisher);
    if (!rule.publishers.some((p) => p === "*" || p.toLowerCase() === key))
      return this.refuse("update:publisher", `site policy: key ${key.slice(0, 16)}… may not update ${next.name} (${who}; ${this.policy.file})`);
    const had = new Set(strings(running.capabilities));
    const addedCaps = strings(next.capabilities).filter((c) => !had.has(c));
    const capsOut = allowedAll(rule.newCapabilities, addedCaps);
    if (capsOut.length > 0) return this.refuse("update:capability", `site policy: ${who} asks for new capabilities ${capsOut.join(", ")} (${this.policy.file})`);
    const topics = (m: UpdateManifest): string[] => [...strings(m.publish).map((t) => `publish:${t}`), ...strings(m.subscribe).map((t) => `subscribe:${t}`)];
    const hadTopics = new Set(topics(running));
    const addedTopics = topics(next).filter((t) => !hadTopics.has(t));
    // a topic rule names the topic itself: allowed for publish and subscribe alike
    const topicsOut = allowedAll(rule.newTopics, addedTopics.map((t) => t.slice(t.indexOf(":") + 1)));
    if (topicsOut.length > 0) return this.refuse("update:topic", `site policy: ${who} asks for new topics ${[...new Set(topicsOut)].join(", ")} (${this.policy.file})`);
    return undefined;
  }

  private refuse(reason: string, text: string): string {
    this.refused[reason] = (this.refused[reason] ?? 0) + 1;
    return text;
  }
}

/** What in `added` the rule does not allow. */
function allowedAll(rule: string[] | "none" | "any", added: string[]): string[] {
  if (rule === "any") return [];
  if (rule === "none") return added;
  return added.filter((a) => !rule.includes(a));
}
