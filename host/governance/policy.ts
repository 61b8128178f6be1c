// A site's policy (YAML): which data may leave a device and how fast agents may publish.
// Validated like a scenario: every error names the file, the line and the field.
//
//   site: pump-room
//   dataClasses:            # what each sensor alias yields
//     vib0: raw
//     pos0: public
//   topics:                 # what a topic carries, overriding what its agent reads
//     event/#: derived
//     telemetry/score: derived
//   egress: [public, derived]   # classes that may leave a device (raw: never, unless listed)
//   rateLimits:
//     - { agent: "*", topic: "event/#", perSecond: 2, burst: 5 }
//   localOnly: [features/#]   # topics that never leave the device (its own agents only)
//   updates:                # who may update which agents over the air, and what may change
//     - { agents: [drone-inspector], publishers: ["<64 hex>"], newCapabilities: [model:ad], newTopics: none }
//   tasks:                  # contract-net managers: the priority their calls carry, and whether they may preempt
//     drone-inspector: { priority: 10, preempt: true }
//     ops-2/inspection-rounds: { priority: 1 }
import { readFileSync } from "node:fs";
import { LineCounter, parseDocument } from "yaml";

export const DATA_CLASSES = ["public", "derived", "raw"] as const;
export type DataClass = (typeof DATA_CLASSES)[number];

export interface RateLimit {
  agent: string;
  topic: string;
  perSecond: number;
  burst: number;
}

/** Who commands an actuator several agents may use: the higher priority, or the first for a while. */
export interface ActuatorRule {
  rule: "priority" | "first";
  /** agent -> priority (higher wins; an agent not named has 0) */
  priorities: Map<string, number>;
  /** how long a command holds the actuator against others */
  holdMs: number;
}

/**
 * Who may update an agent over the air, and what a release may add to what the running
 * version is granted. A list, "none" (nothing new) or "any". The first rule naming the
 * agent (or "*") decides; an agent no rule names may be updated by any trusted key, with
 * nothing new granted.
 */
export interface UpdateRule {
  agents: string[];
  /** hex public keys, or ["*"]: any key the device trusts */
  publishers: string[];
  newCapabilities: string[] | "none" | "any";
  newTopics: string[] | "none" | "any";
}

/** A contract-net manager's standing on the site: what priority its calls and awards carry, and whether they may take a contractor off a lower-priority job. */
export interface TaskRule {
  priority: number;
  preempt: boolean;
}

export interface SitePolicy {
  file: string;
  site?: string;
  /** sensor alias -> class; an alias not named is raw (the safe default) */
  dataClasses: Map<string, DataClass>;
  /** topic filter -> class of what is published there */
  topics: [string, DataClass][];
  egress: Set<DataClass>;
  rateLimits: RateLimit[];
  actuators: Map<string, ActuatorRule>;
  /** topic filters whose messages stay on the publishing device */
  localOnly: string[];
  updates: UpdateRule[];
  /** "device/agent" or "agent" -> its task rule; a manager not named has priority 0 and may not preempt */
  tasks: Map<string, TaskRule>;
}

export class PolicyError extends Error {
  constructor(
    readonly file: string,
    readonly line: number | undefined,
    problem: string,
  ) {
    super(`${file}${line !== undefined ? `:${line}` : ""}: ${problem}`);
    this.name = "PolicyError";
  }
}

const FIELDS = ["site", "dataClasses", "topics", "egress", "rateLimits", "actuators", "localOnly", "updates", "tasks"];

const TASK_KEY = /^([a-z0-9][a-z0-9._-]*\/)?[a-z0-9][a-z0-9._-]*$/;

const TOPIC_FILTER = /^[A-Za-z0-9_.+-]+(\/([A-Za-z0-9_.+-]+|#))*$|^#$/;

export function parsePolicy(text: string, file: string): SitePolicy {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  if (doc.errors.length > 0) throw new PolicyError(file, lines.linePos(doc.errors[0]!.pos[0]).line, `bad YAML: ${doc.errors[0]!.message.split("\n")[0]}`);
  const fail = (p: (string | number)[], problem: string): never => {
    let line: number | undefined;
    for (let i = p.length; i >= 0 && line === undefined; i--) {
      const node = doc.getIn(p.slice(0, i), true) as { range?: [number, number, number] } | undefined;
      if (node && typeof node === "object" && node.range) line = lines.linePos(node.range[0]).line;
    }
    throw new PolicyError(file, line, `${p.length ? p.join(".") + ": " : ""}${problem}`);
  };
  const v = doc.toJS() as unknown;
  if (typeof v !== "object" || v === null || Array.isArray(v)) fail([], `a policy is a map { ${FIELDS.join(", ")} }`);
  const o = v as Record<string, unknown>;
  for (const k of Object.keys(o)) if (!FIELDS.includes(k)) fail([k], `unknown field "${k}" (allowed: ${FIELDS.join(", ")})`);
  const klass = (p: (string | number)[], x: unknown): DataClass => {
    if (!DATA_CLASSES.includes(x as DataClass)) fail(p, `a data class is one of ${DATA_CLASSES.join(", ")} (got ${JSON.stringify(x)})`);
    return x as DataClass;
  };
  const map = (k: string): [string, unknown][] => {
    const m = o[k] ?? {};
    if (typeof m !== "object" || m === null || Array.isArray(m)) fail([k], `${k} is a map`);
    return Object.entries(m as Record<string, unknown>);
  };
  const dataClasses = new Map(map("dataClasses").map(([alias, c]) => [alias, klass(["dataClasses", alias], c)] as const));
  const topics = map("topics").map(([t, c]) => [t, klass(["topics", t], c)] as [string, DataClass]);
  const eg = o.egress ?? ["public", "derived"];
  if (!Array.isArray(eg)) fail(["egress"], "egress is a list of the data classes that may leave a device");
  const egress = new Set((eg as unknown[]).map((c, i) => klass(["egress", i], c)));
  const rl = o.rateLimits ?? [];
  if (!Array.isArray(rl)) fail(["rateLimits"], "rateLimits is a list of { agent, topic, perSecond, burst }");
  const rateLimits = (rl as unknown[]).map((r, i): RateLimit => {
    const p = ["rateLimits", i];
    if (typeof r !== "object" || r === null) fail(p, "a rate limit is { agent, topic, perSecond, burst }");
    const x = r as Record<string, unknown>;
    for (const k of Object.keys(x)) if (!["agent", "topic", "perSecond", "burst"].includes(k)) fail([...p, k], `unknown field "${k}"`);
    if (typeof x.perSecond !== "number" || !(x.perSecond > 0)) fail([...p, "perSecond"], "perSecond is a number > 0");
    const burst = x.burst ?? Math.max(1, Math.ceil(x.perSecond as number));
    if (typeof burst !== "number" || !(burst >= 1)) fail([...p, "burst"], "burst is a number >= 1");
    return { agent: typeof x.agent === "string" ? x.agent : "*", topic: typeof x.topic === "string" ? x.topic : "#", perSecond: x.perSecond as number, burst: burst as number };
  });
  if (o.site !== undefined && typeof o.site !== "string") fail(["site"], "site is a name");
  const actuators = new Map<string, ActuatorRule>();
  for (const [alias, r] of map("actuators")) {
    const p = ["actuators", alias];
    if (typeof r !== "object" || r === null || Array.isArray(r)) fail(p, "an actuator rule is { rule: priority | first, priorities, holdMs }");
    const x = r as Record<string, unknown>;
    for (const k of Object.keys(x)) if (!["rule", "priorities", "holdMs"].includes(k)) fail([...p, k], `unknown field "${k}"`);
    if (x.rule !== "priority" && x.rule !== "first") fail([...p, "rule"], `rule is priority or first (got ${JSON.stringify(x.rule)})`);
    const pr = x.priorities ?? {};
    if (typeof pr !== "object" || pr === null || Array.isArray(pr)) fail([...p, "priorities"], "priorities is a map agent -> number");
    for (const [a, n] of Object.entries(pr as Record<string, unknown>)) if (typeof n !== "number") fail([...p, "priorities", a], "a priority is a number");
    const hold = x.holdMs ?? 1000;
    if (typeof hold !== "number" || !(hold > 0)) fail([...p, "holdMs"], "holdMs is a number of milliseconds > 0");
    actuators.set(alias, { rule: x.rule as "priority" | "first", priorities: new Map(Object.entries(pr as Record<string, number>)), holdMs: hold as number });
  }
  const lo = o.localOnly ?? [];
  if (!Array.isArray(lo)) fail(["localOnly"], "localOnly is a list of topic filters");
  const localOnly = (lo as unknown[]).map((t, i) => {
    if (typeof t !== "string" || !TOPIC_FILTER.test(t)) fail(["localOnly", i], `a relative topic filter like features/# (got ${JSON.stringify(t)})`);
    return t as string;
  });
  const up = o.updates ?? [];
  if (!Array.isArray(up)) fail(["updates"], "updates is a list of { agents, publishers, newCapabilities, newTopics }");
  const updates = (up as unknown[]).map((r, i): UpdateRule => {
    const p = ["updates", i];
    if (typeof r !== "object" || r === null || Array.isArray(r)) fail(p, "an update rule is { agents, publishers, newCapabilities, newTopics }");
    const x = r as Record<string, unknown>;
    for (const k of Object.keys(x)) if (!["agents", "publishers", "newCapabilities", "newTopics"].includes(k)) fail([...p, k], `unknown field "${k}"`);
    const names = (k: string, dflt: string[], check: (s: string) => boolean, what: string): string[] => {
      const v = x[k] ?? dflt;
      if (!Array.isArray(v) || v.length === 0) fail([...p, k], `${k} is a non-empty list of ${what}`);
      (v as unknown[]).forEach((n, j) => {
        if (typeof n !== "string" || !check(n)) fail([...p, k, j], `not ${what}: ${JSON.stringify(n)}`);
      });
      return (v as string[]).map((n) => n.toLowerCase());
    };
    const grants = (k: string): string[] | "none" | "any" => {
      const v = x[k] ?? "none";
      if (v === "none" || v === "any") return v;
      if (!Array.isArray(v) || v.some((n) => typeof n !== "string")) fail([...p, k], `${k} is none, any or a list`);
      return v as string[];
    };
    return {
      agents: names("agents", [], (n) => n === "*" || /^[a-z0-9][a-z0-9._-]*$/.test(n), "agent names (or *)"),
      publishers: names("publishers", ["*"], (n) => n === "*" || /^[0-9a-fA-F]{64}$/.test(n), "64-hex-digit public keys (or *)"),
      newCapabilities: grants("newCapabilities"),
      newTopics: grants("newTopics"),
    };
  });
  const tasks = new Map<string, TaskRule>();
  for (const [who, r] of map("tasks")) {
    const p = ["tasks", who];
    if (!TASK_KEY.test(who)) fail(p, `a task rule is keyed by an agent name or device/agent (got ${JSON.stringify(who)})`);
    if (typeof r !== "object" || r === null || Array.isArray(r)) fail(p, "a task rule is { priority, preempt }");
    const x = r as Record<string, unknown>;
    for (const k of Object.keys(x)) if (!["priority", "preempt"].includes(k)) fail([...p, k], `unknown field "${k}" (allowed: priority, preempt)`);
    // integers: the SDK carries the priority as a CBOR integer, and a comparison of two must not depend on rounding
    if (!Number.isInteger(x.priority) || (x.priority as number) < 0 || (x.priority as number) > 1000) fail([...p, "priority"], `priority is an integer from 0 to 1000 (got ${JSON.stringify(x.priority)})`);
    const preempt = x.preempt ?? false;
    if (typeof preempt !== "boolean") fail([...p, "preempt"], `preempt is true or false (got ${JSON.stringify(preempt)})`);
    tasks.set(who, { priority: x.priority as number, preempt: preempt as boolean });
  }
  return { file, ...(typeof o.site === "string" ? { site: o.site } : {}), dataClasses, topics, egress, rateLimits, actuators, localOnly, updates, tasks };
}

export function loadPolicy(file: string): SitePolicy {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    throw new PolicyError(file, undefined, `cannot read the policy: ${(e as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (e as Error).message}`);
  }
  return parsePolicy(text, file);
}
