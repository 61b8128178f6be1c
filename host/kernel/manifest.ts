// The agent manifest: what an agent is and what it may touch. Validated with
// every problem listed at once, so a user fixes a manifest in one pass.
import { ABI_VERSION, CAPABILITY_GROUPS, type CapabilityGroup } from "./abi.ts";
import { ManifestError } from "./errors.ts";

export interface AgentResources {
  /** wasm pages (64 KiB) the agent may use at most */
  memoryPages: number;
  /** fuel (metered instructions) per event */
  fuelPerEvent: number;
  /**
   * How `colony build` manages the agent's heap: "gc" (the default) collects
   * after every call; "arena" frees everything an event allocated when it
   * returns, so fields may hold only what init allocated (docs/abi.md, Memory).
   */
  heap?: AgentHeap;
}

export const AGENT_HEAPS = ["gc", "arena"] as const;
export type AgentHeap = (typeof AGENT_HEAPS)[number];

export interface Manifest {
  name: string;
  version: string;
  abi: number;
  description?: string;
  capabilities: string[];
  publish: string[];
  subscribe: string[];
  resources: AgentResources;
  models: string[];
}

const NAME = /^[a-z][a-z0-9-]{0,62}$/;
const SEMVER = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$/;
const ALIAS = /^[a-z][a-z0-9_-]{0,31}$/;
const TOPIC = /^[^#+\s/][^\s]*$/;
const KNOWN_FIELDS = new Set(["name", "version", "abi", "description", "capabilities", "publish", "subscribe", "resources", "models"]);
/** Groups whose grant names a resource ("sensor:accel0"); the others are granted whole ("bus"). */
const NAMED_GROUPS: ReadonlySet<CapabilityGroup> = new Set(["sensor", "actuator", "model"]);

function isStringArray(v: unknown): v is string[] {
  return Array.isArray(v) && v.every((x) => typeof x === "string");
}

function checkFilter(f: string, where: string, problems: string[]): void {
  const levels = f.split("/");
  levels.forEach((l, i) => {
    if (l.includes("#") && (l !== "#" || i !== levels.length - 1)) problems.push(`${where}: "${f}" uses # other than as the whole last level`);
    if (l.includes("+") && l !== "+") problems.push(`${where}: "${f}" uses + other than as a whole level`);
  });
  if (f.startsWith("/") || f.length === 0) problems.push(`${where}: "${f}" must be a relative, non-empty topic`);
}

export function validateManifest(raw: unknown, source = "manifest"): Manifest {
  const problems: string[] = [];
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) throw new ManifestError(source, ["must be a JSON object"]);
  const m = raw as Record<string, unknown>;
  for (const k of Object.keys(m)) if (!KNOWN_FIELDS.has(k)) problems.push(`unknown field "${k}"`);

  if (typeof m.name !== "string" || !NAME.test(m.name)) problems.push(`"name" must be lower-case letters, digits and dashes, starting with a letter (got ${JSON.stringify(m.name)})`);
  if (typeof m.version !== "string" || !SEMVER.test(m.version)) problems.push(`"version" must be semver like 1.2.3 (got ${JSON.stringify(m.version)})`);
  if (m.abi !== ABI_VERSION) problems.push(`"abi" must be ${ABI_VERSION}, the ABI this host implements (got ${JSON.stringify(m.abi)})`);
  if (m.description !== undefined && typeof m.description !== "string") problems.push(`"description" must be a string`);

  const caps = m.capabilities ?? [];
  if (!isStringArray(caps)) problems.push(`"capabilities" must be an array of strings`);
  else
    for (const c of caps) {
      const [group, alias, extra] = c.split(":");
      if (!CAPABILITY_GROUPS.includes(group as CapabilityGroup)) problems.push(`capability "${c}": unknown group "${group}" (known: ${CAPABILITY_GROUPS.join(", ")})`);
      else if (NAMED_GROUPS.has(group as CapabilityGroup)) {
        if (alias === undefined || !ALIAS.test(alias) || extra !== undefined) problems.push(`capability "${c}": ${group} needs a name, like "${group}:${group === "sensor" ? "accel0" : group === "model" ? "kws" : "valve0"}"`);
      } else if (alias !== undefined) problems.push(`capability "${c}": ${group} takes no name`);
    }

  for (const field of ["publish", "subscribe"] as const) {
    const v = m[field] ?? [];
    if (!isStringArray(v)) problems.push(`"${field}" must be an array of topic strings`);
    else for (const t of v) {
      if (!TOPIC.test(t) && !(field === "subscribe" && (t === "#" || t.startsWith("+")))) problems.push(`${field}: "${t}" is not a valid relative topic`);
      else if (field === "publish" && /[#+]/.test(t)) problems.push(`publish: "${t}" may not contain wildcards`);
      // the site ledger's own topics: an agent pays through the wallet capability, never by posting there
      else if (field === "publish" && (t === "ledger" || t.startsWith("ledger/"))) problems.push(`publish: "${t}" is the site ledger's topic; an agent pays through the "wallet" capability`);
      else checkFilter(t, field, problems);
    }
  }
  const hasBus = isStringArray(caps) && caps.includes("bus");
  if (!hasBus && ((isStringArray(m.publish) && m.publish.length > 0) || (isStringArray(m.subscribe) && m.subscribe.length > 0)))
    problems.push(`topics are listed but the "bus" capability is not granted`);

  const res = m.resources;
  let resources: AgentResources = { memoryPages: 1, fuelPerEvent: 100_000 };
  if (typeof res !== "object" || res === null) problems.push(`"resources" must be an object { memoryPages, fuelPerEvent }`);
  else {
    const r = res as Record<string, unknown>;
    for (const k of Object.keys(r)) if (k !== "memoryPages" && k !== "fuelPerEvent" && k !== "heap") problems.push(`resources: unknown field "${k}"`);
    if (!Number.isInteger(r.memoryPages) || (r.memoryPages as number) < 1 || (r.memoryPages as number) > 65536)
      problems.push(`resources.memoryPages must be an integer from 1 to 65536 (got ${JSON.stringify(r.memoryPages)})`);
    if (!Number.isInteger(r.fuelPerEvent) || (r.fuelPerEvent as number) < 1 || (r.fuelPerEvent as number) > 0x7fffffff)
      problems.push(`resources.fuelPerEvent must be an integer from 1 to 2147483647 (got ${JSON.stringify(r.fuelPerEvent)})`);
    if (r.heap !== undefined && !AGENT_HEAPS.includes(r.heap as AgentHeap))
      problems.push(`resources.heap must be one of ${AGENT_HEAPS.map((h) => `"${h}"`).join(", ")} (got ${JSON.stringify(r.heap)})`);
    resources = { memoryPages: r.memoryPages as number, fuelPerEvent: r.fuelPerEvent as number, ...(r.heap !== undefined ? { heap: r.heap as AgentHeap } : {}) };
  }

  const models = m.models ?? [];
  if (!isStringArray(models)) problems.push(`"models" must be an array of model names`);
  else for (const name of models) if (!(isStringArray(caps) && caps.includes(`model:${name}`))) problems.push(`models: "${name}" is listed but capability "model:${name}" is not granted`);

  if (problems.length > 0) throw new ManifestError(source, problems);
  return {
    name: m.name as string,
    version: m.version as string,
    abi: m.abi as number,
    ...(m.description !== undefined ? { description: m.description as string } : {}),
    capabilities: caps as string[],
    publish: (m.publish ?? []) as string[],
    subscribe: (m.subscribe ?? []) as string[],
    resources,
    models: models as string[],
  };
}

export function parseManifest(json: string, source: string): Manifest {
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch (e) {
    throw new ManifestError(source, [`not valid JSON at ${jsonErrorPlace(json, (e as Error).message)}: ${(e as Error).message.replace(/ in JSON at position \d+.*$/, "")}`]);
  }
  return validateManifest(raw, source);
}

/** "line 5, column 3" for a JSON.parse message that gives a position (Node 20 gives only the offset). */
function jsonErrorPlace(json: string, message: string): string {
  const m = /position (\d+)/.exec(message);
  if (!m) return "the end of the file";
  const before = json.slice(0, Number(m[1]));
  const line = before.split("\n").length;
  return `line ${line}, column ${before.length - before.lastIndexOf("\n")}`;
}

/** Whether the manifest grants a capability group (wholly or for some name). */
export function grantsGroup(m: Manifest, group: CapabilityGroup): boolean {
  return m.capabilities.some((c) => c === group || c.startsWith(`${group}:`));
}

/** Whether the manifest grants `group:name`. */
export function grantsNamed(m: Manifest, group: CapabilityGroup, name: string): boolean {
  return m.capabilities.includes(`${group}:${name}`);
}

/** MQTT-style topic filter match (+ one level, # the rest). */
export function topicMatches(filter: string, topic: string): boolean {
  const f = filter.split("/");
  const t = topic.split("/");
  for (let i = 0; i < f.length; i++) {
    if (f[i] === "#") return true;
    if (i >= t.length) return false;
    if (f[i] !== "+" && f[i] !== t[i]) return false;
  }
  return f.length === t.length;
}
