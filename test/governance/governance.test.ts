// The site policy as the kernel enforces it, and the audit log as `colony audit verify` checks it.
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { AuditLog, parsePolicy, PolicyError, PolicyGate, verifyAudit } from "../../host/governance/index.ts";
import { deviceKeyFromSeed } from "../../host/net/keys.ts";
import { loadScenario, runScenario } from "../../host/sim/index.ts";

const ROOT = path.resolve(import.meta.dirname, "../..");
const tmp = () => mkdtempSync(path.join(os.tmpdir(), "colony-gov-"));
const key = (n: number) => deviceKeyFromSeed(`site-${n}`, new Uint8Array(32).fill(n));

describe("site policy", () => {
  it("names the file, the line and the field of a mistake", () => {
    const cases: [string, RegExp][] = [
      ["egress: [public, secret]\n", /^p\.yaml:1: egress\.1: a data class is one of public, derived, raw \(got "secret"\)/],
      ["dataClasses:\n  vib0: loud\n", /^p\.yaml:2: dataClasses\.vib0: a data class is one of/],
      ["rateLimits:\n  - { topic: a, perSecond: 0 }\n", /^p\.yaml:2: rateLimits\.0\.perSecond: perSecond is a number > 0/],
      ["colour: red\n", /^p\.yaml:1: colour: unknown field "colour"/],
      ["egress: [\n", /^p\.yaml:\d+: bad YAML/],
    ];
    for (const [text, re] of cases) {
      let err: unknown;
      try {
        parsePolicy(text, "p.yaml");
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(PolicyError);
      expect((err as Error).message).toMatch(re);
    }
  });

  it("classes a publish by its topic, else by the most sensitive sensor its agent reads; rate-limits with a token bucket", () => {
    const g = new PolicyGate(parsePolicy("dataClasses: { pos0: public, temp0: derived }\ntopics: { event/#: derived }\nrateLimits:\n  - { agent: a, topic: t/#, perSecond: 2, burst: 2 }\n", "p.yaml"));
    const at = (topic: string, sensors: string[], now = 0, agent = "x") => g.checkPublish({ device: "d", agent, topic, bytes: 10, sensors, now });
    expect(at("event/x", ["vib0"])).toBeUndefined(); // classed derived by the site
    expect(at("status", ["pos0"])).toBeUndefined(); // public sensor only
    expect(at("status", ["pos0", "temp0"])).toBeUndefined(); // derived is allowed out by default
    expect(at("status", ["pos0", "vib0"])).toMatch(/raw data may not leave the device \(topic "status"/); // unnamed sensor: raw
    expect(at("t/1", [], 0, "a")).toBeUndefined();
    expect(at("t/1", [], 0, "a")).toBeUndefined();
    expect(at("t/1", [], 100, "a")).toMatch(/more than 2\/s on "t\/#"/);
    expect(at("t/1", [], 600, "a")).toBeUndefined(); // a token back after half a second
    expect(at("t/1", [], 600, "other")).toBeUndefined(); // the limit is the agent's
    expect(g.refused).toEqual({ "egress:raw": 1, "rate:t/#": 1 });
  });

  it("two agents on one actuator: the higher priority takes it, a lower one waits out the hold; first-come keeps it", () => {
    const g = new PolicyGate(parsePolicy("actuators:\n  valve0: { rule: priority, priorities: { safety: 10, scheduler: 1 }, holdMs: 1000 }\n  arm0: { rule: first, holdMs: 500 }\n", "p.yaml"));
    const cmd = (agent: string, actuator: string, now: number) => g.checkActuate({ device: "d", agent, actuator, now });
    expect(cmd("scheduler", "valve0", 0)).toBeUndefined();
    expect(cmd("safety", "valve0", 100)).toBeUndefined(); // preempts the lower priority at once
    expect(cmd("scheduler", "valve0", 200)).toMatch(/valve0 is held by safety \(priority 10 >= 1\) for 900 ms more/);
    expect(cmd("scheduler", "valve0", 1200)).toBeUndefined(); // the hold ran out
    expect(cmd("a", "arm0", 0)).toBeUndefined();
    expect(cmd("b", "arm0", 100)).toMatch(/arm0 is held by a \(first come\)/);
    expect(cmd("a", "arm0", 200)).toBeUndefined(); // the holder renews
    expect(cmd("b", "arm0", 800)).toBeUndefined();
    expect(cmd("x", "other0", 0)).toBeUndefined(); // no rule: no conflict to decide
    // the same sequence decides the same way every time
    const again = new PolicyGate(parsePolicy("actuators:\n  valve0: { rule: priority, priorities: { safety: 10, scheduler: 1 }, holdMs: 1000 }\n", "p.yaml"));
    expect([0, 100, 200].map((t, i) => again.checkActuate({ device: "d", agent: i === 1 ? "safety" : "scheduler", actuator: "valve0", now: t }) === undefined)).toEqual([true, true, false]);
    expect(g.refused).toEqual({ "actuator:valve0": 1, "actuator:arm0": 1 });
  });

  it("in a run: raw data refused at the kernel, so the alarm never leaves the pump; classed, it does", async () => {
    const dir = tmp();
    const scenario = readFileSync(path.join(ROOT, "scenarios/pump-room-mini.yaml"), "utf8").replace("site: pump-room\n", "site: pump-room\npolicy: policy.yaml\n");
    writeFileSync(path.join(dir, "mini.yaml"), scenario);
    // the monitor reads accel0, which the site does not class: raw
    writeFileSync(path.join(dir, "policy.yaml"), "topics: { presence/#: public }\n");
    const strict = await runScenario(loadScenario(path.join(dir, "mini.yaml")));
    expect(strict.policy!.refused).toEqual({ "egress:raw": 1 });
    const refusal = strict.trace.find((e) => e.type === "refused");
    expect(refusal?.text).toMatch(/vibration-monitor refused: site policy: raw data may not leave the device \(topic "event\/anomaly"/);
    expect(strict.trace.some((e) => e.type === "publish" && e.data?.topic === "event/anomaly")).toBe(false);
    expect(strict.actuators.find((a) => a.alias === "valve0")!.commands).toBe(0);
    writeFileSync(path.join(dir, "policy.yaml"), "topics: { presence/#: public, event/#: derived }\n");
    const classed = await runScenario(loadScenario(path.join(dir, "mini.yaml")));
    expect(classed.policy!.refused).toEqual({});
    expect(classed.actuators.find((a) => a.alias === "valve0")!.commands).toBe(1);
  });
});

describe("audit log", () => {
  const write = (dir: string) => {
    const file = path.join(dir, "audit.jsonl");
    const log = new AuditLog(file, key(1));
    for (let i = 0; i < 6; i++) log.append({ kind: i % 2 ? "grant" : "refusal", t: i * 100, device: `d${i}`, text: `record ${i}` });
    return file;
  };

  it("verifies intact, and says which line was edited, removed, moved or forged", () => {
    const dir = tmp();
    const file = write(dir);
    const text = readFileSync(file, "utf8");
    const pub = key(1).publicKey;
    expect(verifyAudit(text, pub)).toEqual({ ok: true, records: 6 });
    const lines = text.trimEnd().split("\n");
    const edited = lines.map((l, i) => (i === 3 ? l.replace("record 3", "record 9") : l)).join("\n");
    expect(verifyAudit(edited, pub)).toMatchObject({ ok: false, line: 4, problem: expect.stringMatching(/edited/) });
    const removed = lines.filter((_l, i) => i !== 2).join("\n");
    expect(verifyAudit(removed, pub)).toMatchObject({ ok: false, line: 3, problem: expect.stringMatching(/removed or moved/) });
    const truncatedTail = lines.slice(0, 5).join("\n");
    expect(verifyAudit(truncatedTail, pub)).toEqual({ ok: true, records: 5 }); // a log cut at its end is a shorter log: its length is what the summary states
    const swapped = [lines[0], lines[2], lines[1], ...lines.slice(3)].join("\n");
    expect(verifyAudit(swapped, pub)).toMatchObject({ ok: false, line: 2 });
    // a forger who rewrites a line and recomputes its hash still cannot sign it
    const other = new AuditLog(path.join(dir, "other.jsonl"), key(2));
    for (let i = 0; i < 6; i++) other.append({ kind: i % 2 ? "grant" : "refusal", t: i * 100, device: `d${i}`, text: `record ${i}` });
    expect(verifyAudit(readFileSync(path.join(dir, "other.jsonl"), "utf8"), pub)).toMatchObject({ ok: false, line: 1, problem: expect.stringMatching(/bad signature/) });
  });

  it("colony sim writes it; colony audit verify passes it and refuses an edit with exit code 2", async () => {
    const dir = tmp();
    const run = promisify(execFile);
    const sim = await run(process.execPath, [path.join(ROOT, "bin/colony.js"), "sim", "scenarios/pump-room.yaml", "--quiet", "--report", dir], { cwd: ROOT });
    const m = /audit log (\S+): (\d+) signed records \((.*)\); verify with: colony audit verify \S+ --key ([0-9a-f]{64})/.exec(sim.stdout);
    expect(m, sim.stdout).not.toBeNull();
    expect(m![3]).toMatch(/1 policy, 10 grant, \d+ refusal, 1 award/);
    const verify = (...a: string[]) => run(process.execPath, [path.join(ROOT, "bin/colony.js"), "audit", "verify", m![1]!, "--key", m![4]!, ...a], { cwd: ROOT }).then((r) => ({ code: 0, ...r }), (e: { code: number; stdout: string; stderr: string }) => e);
    const ok = await verify();
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(new RegExp(`${m![2]} records, intact`));
    const lines = readFileSync(m![1]!, "utf8").split("\n");
    lines[4] = lines[4]!.replace(/"t":\d+/, '"t":1');
    writeFileSync(m![1]!, lines.join("\n"));
    const bad = await verify();
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/audit\.jsonl:5: its content does not match its hash: the record was edited/);
  });
});
