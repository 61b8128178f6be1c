// Who may update which agent over the air, and what a release may add: the site policy's
// `updates` rules, checked by the device's slots after the bundle is verified and before a
// byte of the new version is written; and in a simulated rollout, where a release that asks
// for a new topic the site did not agree to is refused on the canary and halts the rollout.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parsePolicy, PolicyError, UpdateGate, type UpdateManifest } from "../../host/governance/index.ts";
import { AgentSlots, buildBundle, OtaError, SimFlash, slotAreaSize } from "../../host/ota/index.ts";
import { loadScenario, runScenario } from "../../host/sim/index.ts";
import { agentWasm, manifest, PUBLISHER, STRANGER } from "../ota/fixtures.ts";
import { TestRuntime } from "../ota/runtime.ts";

const hex = (k: Uint8Array) => Buffer.from(k).toString("hex");
const m = (version: string, extra: Record<string, unknown> = {}): UpdateManifest => ({ ...manifest(version), ...extra }) as UpdateManifest;

describe("update rules", () => {
  it("names the file, the line and the field of a mistake", () => {
    const cases: [string, RegExp][] = [
      ["updates:\n  - { agents: [a], publishers: [abc] }\n", /^p\.yaml:2: updates\.0\.publishers\.0: not 64-hex-digit public keys \(or \*\): "abc"/],
      ["updates:\n  - { agents: [], publishers: ['*'] }\n", /^p\.yaml:2: updates\.0\.agents: agents is a non-empty list/],
      ["updates:\n  - { agents: [a], newCapabilities: some }\n", /^p\.yaml:2: updates\.0\.newCapabilities: newCapabilities is none, any or a list/],
      ["updates:\n  - { agents: [a], who: me }\n", /^p\.yaml:2: updates\.0\.who: unknown field "who"/],
      ["localOnly: [features/#, 'a//b']\n", /^p\.yaml:1: localOnly\.1: a relative topic filter/],
    ];
    for (const [text, re] of cases) {
      let err: unknown;
      try {
        parsePolicy(text, "p.yaml");
      } catch (e) {
        err = e;
      }
      expect(err, text).toBeInstanceOf(PolicyError);
      expect((err as Error).message).toMatch(re);
    }
  });

  it("the first rule naming the agent decides: its publishers, and what the release may add", () => {
    const policy = parsePolicy(
      [
        "updates:",
        `  - { agents: [counter], publishers: [${hex(PUBLISHER.publicKey)}], newCapabilities: [sensor:temp0], newTopics: [telemetry/temp] }`,
        "  - { agents: ['*'], publishers: ['*'], newCapabilities: any, newTopics: none }",
      ].join("\n"),
      "p.yaml",
    );
    const g = new UpdateGate(policy);
    const v1 = m("1.0.0");
    expect(g.check(v1, m("1.1.0"), PUBLISHER.publicKey)).toBeUndefined();
    expect(g.check(v1, m("1.1.0"), STRANGER.publicKey)).toMatch(/^site policy: key [0-9a-f]{16}… may not update counter \(counter 1\.0\.0 -> 1\.1\.0; p\.yaml\)/);
    expect(g.check(v1, m("1.1.0", { capabilities: ["clock", "log", "sensor:temp0"], publish: ["telemetry/temp"] }), PUBLISHER.publicKey)).toBeUndefined();
    expect(g.check(v1, m("1.1.0", { capabilities: ["clock", "log", "actuator:valve0"] }), PUBLISHER.publicKey)).toMatch(/asks for new capabilities actuator:valve0/);
    expect(g.check(v1, m("1.1.0", { subscribe: ["cmd/#"] }), PUBLISHER.publicKey)).toMatch(/asks for new topics cmd\/#/);
    // dropping a grant is never an escalation
    expect(g.check(v1, m("1.1.0", { capabilities: ["clock"] }), PUBLISHER.publicKey)).toBeUndefined();
    // another agent falls to the catch-all: any key, new capabilities yes, new topics no
    const other = { ...m("1.0.0"), name: "other" };
    expect(g.check(other, { ...m("2.0.0", { capabilities: ["clock", "log", "model:ad"] }), name: "other" }, STRANGER.publicKey)).toBeUndefined();
    expect(g.check(other, { ...m("2.0.0", { publish: ["x"] }), name: "other" }, STRANGER.publicKey)).toMatch(/new topics x/);
    expect(g.refused).toEqual({ "update:publisher": 1, "update:capability": 1, "update:topic": 2 });
  });

  it("with no rule for an agent, any trusted key may update it, but nothing new is granted", () => {
    const g = new UpdateGate(parsePolicy("egress: [public]\n", "p.yaml"));
    expect(g.check(m("1.0.0"), m("1.1.0"), STRANGER.publicKey)).toBeUndefined();
    expect(g.check(m("1.0.0"), m("1.1.0", { capabilities: ["clock", "log", "bus"] }), STRANGER.publicKey)).toMatch(/new capabilities bus/);
  });

  it("a device's slots refuse a forbidden release before writing it: the old version runs on, the same release allowed later installs", async () => {
    const layout = { offset: 0, slotSize: 8192, stateSize: 128 };
    const gate = new UpdateGate(parsePolicy("updates:\n  - { agents: [counter], newTopics: none }\n", "p.yaml"));
    let allow = false;
    const slots = new AgentSlots(new SimFlash(slotAreaSize(layout)), layout, new TestRuntime(), {
      trustedKeys: [PUBLISHER.publicKey],
      abi: [1],
      allowUpdate: (a, b, k) => (allow ? undefined : gate.check(a, b, k)),
    });
    await slots.provision(buildBundle(m("1.0.0"), agentWasm({ version: 100 }), PUBLISHER));
    const wider = buildBundle(m("1.1.0", { capabilities: ["clock", "log", "bus"], publish: ["telemetry/x"] }), agentWasm({ version: 110 }), PUBLISHER);
    let err: unknown;
    try {
      await slots.install(wider, "r1");
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(OtaError);
    expect((err as OtaError).reason).toBe("policy");
    expect((err as Error).message).toMatch(/^policy: site policy: counter 1\.0\.0 -> 1\.1\.0 asks for new capabilities bus/);
    expect(slots.version).toBe("1.0.0");
    expect(slots.previousVersion()).toBeNull(); // the inactive slot was not written
    expect(slots.floor).toBe("1.0.0");
    allow = true;
    expect(await slots.install(wider, "r2")).toEqual({ outcome: "committed", version: "1.1.0" });
  });
});

describe("an update the site did not agree to, in a simulated rollout", () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "colony-upd-"));
  const scenario = [
    "name: ota-policy",
    "site: plant-upd",
    "seed: 5",
    "duration: 7s",
    "policy: policy.yaml",
    "fleet:",
    "  - { count: 4, idPrefix: bay-, board: esp32-devkitc, area: [10, 10], agents: [heartbeat] }",
    "ota: { agent: heartbeat, version: 1.1.0, grants: { publish: [telemetry/uptime] }, at: 1s, canary: 25%, haltOn: 5%, waves: 1, health: 500ms }",
    "record: { quiet: ['presence/#'] }",
  ].join("\n");
  writeFileSync(path.join(dir, "ota.yaml"), scenario);

  it("is refused on the canary with the policy's reason, audited, and halts the rollout; agreed to, it commits everywhere", async () => {
    writeFileSync(path.join(dir, "policy.yaml"), "topics: { presence/#: public }\nupdates:\n  - { agents: [heartbeat], newTopics: none }\n");
    const refused = await runScenario(loadScenario(path.join(dir, "ota.yaml")), { auditFile: path.join(dir, "audit.jsonl") });
    const ota = refused.ota!;
    expect(ota.error).toBeUndefined();
    expect(ota.rollout!.state).toBe("halted");
    const canary = ota.rollout!.waves[0]!;
    expect(canary).toHaveLength(1);
    const c = ota.devices.find((d) => d.id === canary[0])!;
    expect(c).toMatchObject({ running: "1.0.0", phase: "refused", reason: "policy" });
    expect(c.detail).toMatch(/heartbeat 1\.0\.0 -> 1\.1\.0 asks for new topics telemetry\/uptime/);
    expect(ota.devices.every((d) => d.running === "1.0.0")).toBe(true);
    expect(refused.policy!.refused).toMatchObject({ "update:topic": 1 });
    const audit = readFileSync(path.join(dir, "audit.jsonl"), "utf8");
    expect(audit).toMatch(/"kind":"update"[^\n]*refused - runs 1\.0\.0 \(policy: site policy: heartbeat 1\.0\.0 -> 1\.1\.0 asks for new topics telemetry\/uptime/);

    writeFileSync(path.join(dir, "policy.yaml"), "topics: { presence/#: public }\nupdates:\n  - { agents: [heartbeat], newTopics: [telemetry/uptime] }\n");
    const agreed = await runScenario(loadScenario(path.join(dir, "ota.yaml")));
    expect(agreed.ota!.rollout!.state).toBe("done");
    expect(agreed.ota!.devices.every((d) => d.running === "1.1.0")).toBe(true);
    expect(agreed.policy!.refused).toEqual({});
  }, 60_000);
});
