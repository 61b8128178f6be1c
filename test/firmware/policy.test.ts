// The site policy on the firmware (firmware/runtime/policy.c with the tables
// host/firmware/compile/policy.ts generates), compiled for the host and driven side by side
// with the host kernel's PolicyGate over the same seeded stream of publishes and actuator
// commands: every decision (pass, local-only, refused and its reason) and every count must
// be the host's. Egress by data class (a topic's class, else the agent's most sensitive
// sensor), local-only topics, rate limits (fractional rates, overlapping rules, "*"), task
// priority claims in cnet/cfp and cnet/award (right, wrong, absent, not CBOR), shared
// actuators under priority and first-come rules.
import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { parsePolicy, PolicyGate } from "../../host/governance/index.ts";
import { policySource } from "../../host/firmware/compile/policy.ts";
import { parseManifest, type Manifest } from "../../host/kernel/index.ts";
import { cborEncode } from "../../host/net/cbor.ts";
import { missingTools, OUT, ROOT } from "./helpers.ts";

const missing = missingTools(["cc"]);
const BIN = path.join(OUT, "policy");
const DEVICE = "dev-1";

const POLICY = `site: lab
dataClasses:
  pos0: public
  temp0: derived
  vib0: raw
topics:
  presence/#: public
  cnet/#: derived
  features/spectrum: raw
  telemetry/#: derived
egress: [public, derived]
localOnly: [features/#]
rateLimits:
  - { agent: monitor, topic: telemetry/#, perSecond: 0.1, burst: 2 }
  - { agent: "*", topic: telemetry/temp, perSecond: 0.2, burst: 1 }
  - { agent: "*", topic: event/#, perSecond: 0.25, burst: 3 }
tasks:
  dev-1/manager: { priority: 7, preempt: true }
  manager: { priority: 2 }
  rounds: { priority: 3 }
actuators:
  valve0: { rule: priority, priorities: { safety: 10, manager: 4 }, holdMs: 1000 }
  door0: { rule: first, priorities: {}, holdMs: 500 }
`;

const manifest = (name: string, caps: string[]): Manifest =>
  parseManifest(JSON.stringify({ name, version: "1.0.0", abi: 1, capabilities: caps, publish: ["telemetry/vib"], subscribe: [], resources: { memoryPages: 1, fuelPerEvent: 1000 } }), `${name}.json`);
const AGENTS = [
  manifest("monitor", ["bus", "sensor:vib0", "sensor:temp0"]),
  manifest("reporter", ["bus", "sensor:pos0", "sensor:temp0"]),
  manifest("manager", ["bus", "actuator:valve0", "actuator:door0"]),
  manifest("safety", ["bus", "actuator:valve0", "actuator:door0"]),
  manifest("rounds", ["bus"]),
  manifest("mapper", ["bus", "sensor:pos0"]),
];
const sensorsOf = (m: Manifest) => m.capabilities.filter((c) => c.startsWith("sensor:")).map((c) => c.slice(7));

describe.skipIf(missing.length > 0)("site policy on the firmware", () => {
  beforeAll(() => {
    mkdirSync(OUT, { recursive: true });
    const gen = path.join(OUT, "policy_gen.c");
    const policy = parsePolicy(POLICY, "lab.yaml");
    writeFileSync(
      gen,
      [
        '#include "colony.h"',
        policySource(policy, AGENTS, DEVICE),
        ...AGENTS.map((m, i) => `static const colony_agent_spec_t spec${i} = {.name = ${JSON.stringify(m.name)}, .version = "1.0.0"};`),
        `static colony_agent_t agents[${AGENTS.length}] = {${AGENTS.map((_, i) => `{.spec = &spec${i}}`).join(", ")}};`,
        `const colony_config_t colony_config = {"host", ${JSON.stringify(DEVICE)}, "lab", 0, COLONY_CLOCK_VIRTUAL, 1, 0, agents, ${AGENTS.length}, 0};`,
        "",
      ].join("\n"),
    );
    const rt = path.join(ROOT, "firmware/runtime");
    execFileSync("cc", ["-std=gnu11", "-O2", "-Wall", "-Wextra", "-Werror", `-I${rt}`, path.join(ROOT, "test/firmware/harness/policy.c"), gen, ...["policy", "bus", "cbor"].map((f) => path.join(rt, `${f}.c`)), "-o", BIN]);
  });

  it("decides every publish and actuator command as the host kernel's PolicyGate does, and counts the same refusals", () => {
    const gate = new PolicyGate(parsePolicy(POLICY, "lab.yaml"));
    let seed = 11;
    const rand = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 4294967296);
    const pick = <T,>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
    const topics = ["telemetry/vib", "telemetry/temp", "event/alarm", "presence/dev-1", "features/spectrum", "features/rms", "cnet/cfp", "cnet/award", "cnet/bid", "state/x"];
    const bodies = [
      cborEncode({ task: "t1" }),
      cborEncode({ task: "t1", priority: 7, preempt: true }),
      cborEncode({ task: "t1", priority: 2 }),
      cborEncode({ task: "t1", priority: 3 }),
      cborEncode({ task: "t1", priority: 7 }),
      cborEncode({ task: "t1", preempt: false, priority: 0 }),
      cborEncode({ task: "t1", priority: "high" }),
      cborEncode({ preempt: 1, priority: 7 }),
      cborEncode([1, "priority"]),
      new Uint8Array([0xa1, 0x68, ...Buffer.from("priority")]), // cut short
    ];
    const script: string[] = [];
    const host: string[] = [];
    let now = 0;
    for (let k = 0; k < 1500; k++) {
      now += Math.floor(rand() * 400);
      const i = Math.floor(rand() * AGENTS.length);
      const m = AGENTS[i]!;
      const before = JSON.stringify(gate.refused);
      let why: string | undefined;
      let verdict: string;
      if (rand() < 0.2) {
        const actuator = pick(["valve0", "door0", "pump0"]);
        script.push(`act ${i} ${actuator} ${now}`);
        why = gate.checkActuate({ device: DEVICE, agent: m.name, actuator, now });
        verdict = why === undefined ? "pass" : "refused";
      } else {
        const topic = pick(topics);
        const body = pick(bodies);
        script.push(`pub ${i} ${topic} ${Buffer.from(body).toString("hex") || "-"} ${now}`);
        why = gate.checkPublish({ device: DEVICE, agent: m.name, topic, bytes: body.length, sensors: sensorsOf(m), now, body });
        verdict = why !== undefined ? "refused" : gate.localOnly(topic) ? "local" : "pass";
      }
      // the reason the host counted, as the firmware names it
      const after = gate.refused;
      const reason = Object.keys(after).find((r) => after[r] !== (JSON.parse(before) as Record<string, number>)[r]);
      host.push(verdict === "refused" ? `refused ${m.name} policy ${reason}` : verdict);
    }
    script.push("print");
    const out = execFileSync(BIN, { input: script.join("\n") + "\n", encoding: "utf8" }).trim().split("\n");
    expect(out).toHaveLength(script.length);
    const device = out.slice(0, -1).map((l) => (l.startsWith("refused ") ? l.slice(8).split(": ")[0]! : l.trim()));
    for (let k = 0; k < host.length; k++) expect(device[k], `${script[k]} (host: ${host[k]})`).toBe(host[k]);
    // every kind of decision came up, so none of them agrees by never happening
    const kinds = new Set(host.map((h) => h.split(" ").slice(0, 4).join(" ").replace(/^refused \S+ policy /, "")));
    for (const k of ["pass", "local", "egress:raw", "rate:telemetry/#", "rate:telemetry/temp", "rate:event/#", "task:priority", "actuator:valve0", "actuator:door0"]) expect(kinds, k).toContain(k);
    // the totals the firmware prints at exit are the host's counters
    const printed = Object.fromEntries(out.at(-1)!.replace(/\|$/, "").split(" ").slice(2).map((kv) => [kv.slice(0, kv.lastIndexOf("=")), Number(kv.slice(kv.lastIndexOf("=") + 1))]));
    expect(printed).toEqual(gate.refused);
    expect(out.at(-1)).toMatch(new RegExp(`^policy checked=${gate.checks} `));
    // the refusal lines say what the host says
    const raw = out.find((l) => l.startsWith("refused refused monitor policy egress:raw"))!;
    expect(raw).toMatch(/^refused refused monitor policy egress:raw: site policy: raw data may not leave the device \(topic "[^"]+"; lab\.yaml\)\|$/);
    expect(out.find((l) => l.includes("policy rate:telemetry/#"))).toMatch(/site policy: more than 0\.1\/s on "telemetry\/#" \(burst 2\)/);
    expect(out.find((l) => l.includes("policy actuator:valve0"))).toMatch(/site policy: valve0 is held by \S+ \(priority \d+ >= \d+\) for \d+ ms more/);
  });
});
