// The priority a contract-net manager's call or award carries is the site's word, not the
// agent's: the kernel reads it in every cnet/cfp and cnet/award publish and refuses one that
// claims more than the policy gives (a higher priority, or preemption it may not use).
import { decode as cborDecode } from "cbor-x";
import type { SitePolicy, TaskRule } from "./policy.ts";

const NOBODY: TaskRule = { priority: 0, preempt: false };

// the CBOR text-string heads of the two keys (major type 3, length in the low bits)
const PRIORITY_KEY = Buffer.from([0x68, ...Buffer.from("priority")]);
const PREEMPT_KEY = Buffer.from([0x67, ...Buffer.from("preempt")]);

function mentions(body: Uint8Array, key: Buffer): boolean {
  return Buffer.from(body.buffer, body.byteOffset, body.byteLength).indexOf(key) >= 0;
}

/** The rule for a manager: its device-qualified entry first, then its agent name, else priority 0 without preemption. */
export function taskRuleOf(policy: SitePolicy, device: string, agent: string): TaskRule {
  return policy.tasks.get(`${device}/${agent}`) ?? policy.tasks.get(agent) ?? NOBODY;
}

/** Topics whose messages carry a manager's priority. */
export function carriesTaskPriority(topic: string): boolean {
  return topic === "cnet/cfp" || topic === "cnet/award";
}

/**
 * undefined when the message claims what the rule gives (an absent priority is 0, an absent
 * preempt is false); else why not. Claiming less is a lie too: contractors rank by what the
 * message says, and a manager that under-states would be preempted where the site says not.
 */
export function checkTaskClaim(rule: TaskRule, body: Uint8Array, topic: string): string | undefined {
  // most calls claim nothing (priority 0): without either key in the bytes there is nothing to decode
  if (rule.priority === 0 && !rule.preempt && !mentions(body, PRIORITY_KEY) && !mentions(body, PREEMPT_KEY)) return undefined;
  let m: unknown;
  try {
    m = cborDecode(body);
  } catch {
    return `a ${topic} message that is not CBOR`;
  }
  if (typeof m !== "object" || m === null) return `a ${topic} message that is not a map`;
  const o = m as Record<string, unknown>;
  const priority = o.priority ?? 0;
  const preempt = o.preempt ?? false;
  if (priority !== rule.priority) return `claims priority ${JSON.stringify(priority)} where the site gives ${rule.priority}`;
  if (preempt !== rule.preempt) return `claims preempt ${JSON.stringify(preempt)} where the site gives ${rule.preempt}`;
  return undefined;
}
