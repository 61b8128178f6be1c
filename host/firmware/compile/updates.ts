// The site policy's `updates:` rules as the firmware's table (firmware/ota/ota.h's
// colony_ota_updates_t), checked by firmware/ota/updates.c before an OTA install writes the
// new version's slot. Each agent of the partition gets the rule host/governance's UpdateGate
// would pick for it, resolved here; a last "*" entry holds what any other name would get.
import { updateRuleOf, type SitePolicy, type UpdateRule } from "../../governance/index.ts";
import { FirmwareBuildError } from "./targets.ts";

const cstr = (s: string) => JSON.stringify(s);
const MAX_I16 = 32767;

function list(out: string[], name: string, items: string[] | "none" | "any", what: string, file: string): string {
  if (items === "any") return "0, -1";
  if (items === "none" || items.length === 0) return "0, 0";
  if (items.length > MAX_I16) throw new FirmwareBuildError(`${file}: the firmware takes at most ${MAX_I16} ${what} per update rule`);
  out.push(`static const char *const ${name}[] = {${items.map(cstr).join(", ")}};`);
  return `${name}, ${items.length}`;
}

function entry(out: string[], i: number, agent: string, rule: UpdateRule, file: string): string {
  let keys = "0, -1";
  if (!rule.publishers.includes("*")) {
    if (rule.publishers.length > MAX_I16) throw new FirmwareBuildError(`${file}: the firmware takes at most ${MAX_I16} publishers per update rule`);
    const bytes = rule.publishers.map((k) => `{${Array.from(Buffer.from(k, "hex")).join(",")}}`);
    out.push(`static const uint8_t update_keys${i}[][32] = {${bytes.join(", ")}};`);
    keys = `update_keys${i}, ${rule.publishers.length}`;
  }
  const caps = list(out, `update_caps${i}`, rule.newCapabilities, "capabilities", file);
  const topics = list(out, `update_topics${i}`, rule.newTopics, "topics", file);
  return `{${cstr(agent)}, ${keys}, ${caps}, ${topics}}`;
}

/** C defining `colony_ota_updates` for the agents `agents` (NULL without a policy: no rules). */
export function updatesSource(policy: SitePolicy | undefined, agents: readonly string[]): string {
  if (!policy) return "const colony_ota_updates_t *const colony_ota_updates = 0;";
  const out: string[] = [`/* update rules of ${policy.file} */`];
  const names = [...new Set(agents.filter((a) => a !== "*")), "*"];
  const entries = names.map((a, i) => entry(out, i, a, updateRuleOf(policy, a), policy.file));
  out.push(
    `static const colony_ota_update_rule_t update_rules[] = {${entries.join(", ")}};`,
    "static uint32_t update_refused[3];",
    `static const colony_ota_updates_t site_updates = {${cstr(policy.file)}, update_rules, ${entries.length}u, update_refused};`,
    "const colony_ota_updates_t *const colony_ota_updates = &site_updates;",
  );
  return out.join("\n");
}
