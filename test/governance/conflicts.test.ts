// Task conflicts the site policy resolves: a manager's priority is the policy's word (the kernel
// refuses a call that claims more), two managers offering one quadruped at once (the higher
// priority wins), and a low-priority job holding the quadruped a high-priority one needs
// (preempted when the policy allows it, the newcomer refused when not).
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { encode } from "cbor-x";
import { describe, expect, it } from "vitest";
import { parsePolicy, PolicyError, PolicyGate } from "../../host/governance/index.ts";
import { loadScenario, runScenario, type SimResult } from "../../host/sim/index.ts";
import { taskStories, type TaskStory } from "../../host/sim/tasks.ts";
import type { TraceEvent } from "../../host/kernel/index.ts";

const DIR = path.resolve(import.meta.dirname, "../fixtures/scenarios");
const SCENARIO = path.join(DIR, "conflicts.yaml");
const POLICY = path.join(DIR, "policies/conflicts.yaml");

/** Runs the fixture with its text edited (copies beside the originals, for their relative paths). */
async function run(edit: { scenario?: [string, string][]; policy?: [string, string][] } = {}): Promise<SimResult> {
  const apply = (text: string, subs: [string, string][] = []) =>
    subs.reduce((t, [a, b]) => {
      if (!t.includes(a)) throw new Error(`the fixture no longer holds ${JSON.stringify(a)}`);
      return t.split(a).join(b);
    }, text);
  const tag = `${process.pid}-${Math.random().toString(16).slice(2)}`;
  const policy = path.join(DIR, `policies/.conflicts-${tag}.yaml`);
  const scenario = path.join(DIR, `.conflicts-${tag}.yaml`);
  writeFileSync(policy, apply(readFileSync(POLICY, "utf8"), edit.policy));
  writeFileSync(scenario, apply(readFileSync(SCENARIO, "utf8"), [["policy: policies/conflicts.yaml", `policy: policies/.conflicts-${tag}.yaml`], ...(edit.scenario ?? [])]));
  try {
    return await runScenario(loadScenario(scenario));
  } finally {
    rmSync(policy);
    rmSync(scenario);
  }
}

const byManager = (r: SimResult, device: string): TaskStory => {
  const t = taskStories(r.trace).find((s) => s.manager === device);
  if (!t) throw new Error(`no task tendered by ${device}`);
  return t;
};
type Body = Record<string, unknown>;
const published = (trace: TraceEvent[], kind: string) => trace.filter((e) => e.type === "publish" && (e.data?.body as Body | undefined)?.kind === kind);
const contractorOf = (r: SimResult, t: TaskStory, round: number) =>
  published(r.trace, "cnet.accept").find((e) => (e.data!.body as Body).task === t.task && (e.data!.body as Body).round === round)?.device;

describe("site policy: tasks", () => {
  it("reads priority and preempt per manager, and names the file, line and field of a mistake", () => {
    const p = parsePolicy("tasks:\n  drone-inspector: { priority: 10, preempt: true }\n  ops-2/inspection-rounds: { priority: 1 }\n", "p.yaml");
    expect(p.tasks.get("drone-inspector")).toEqual({ priority: 10, preempt: true });
    expect(p.tasks.get("ops-2/inspection-rounds")).toEqual({ priority: 1, preempt: false });
    const cases: [string, RegExp][] = [
      ["tasks:\n  a: { priority: 1.5 }\n", /^p\.yaml:2: tasks\.a\.priority: priority is an integer from 0 to 1000 \(got 1\.5\)/],
      ["tasks:\n  a:\n    priority: 1\n    preempt: yes please\n", /^p\.yaml:4: tasks\.a\.preempt: preempt is true or false/],
      ["tasks:\n  a: { priority: 1, urgent: true }\n", /^p\.yaml:2: tasks\.a\.urgent: unknown field "urgent"/],
      ["tasks:\n  \"A B\": { priority: 1 }\n", /^p\.yaml:2: tasks\.A B: a task rule is keyed by an agent name or device\/agent/],
      ["tasks: [a]\n", /^p\.yaml:1: tasks: tasks is a map/],
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

  it("refuses a call or award whose priority or preemption the policy does not give its manager, device rule before agent rule", () => {
    const g = new PolicyGate(parsePolicy("topics: { cnet/#: derived }\ntasks:\n  rounds: { priority: 1 }\n  ops-1/rounds: { priority: 5, preempt: true }\n", "p.yaml"));
    const at = (device: string, topic: string, body: Body, agent = "rounds") => g.checkPublish({ device, agent, topic, bytes: 10, sensors: [], now: 0, body: encode(body) });
    expect(at("ops-2", "cnet/cfp", { kind: "cnet.cfp", priority: 1 })).toBeUndefined();
    expect(at("ops-1", "cnet/award", { kind: "cnet.award", priority: 5, preempt: true })).toBeUndefined();
    expect(at("ops-2", "cnet/cfp", { kind: "cnet.cfp", priority: 5 })).toMatch(/rounds's cnet\/cfp claims priority 5 where the site gives 1 \(p\.yaml\)/);
    expect(at("ops-2", "cnet/award", { kind: "cnet.award", priority: 1, preempt: true })).toMatch(/claims preempt true where the site gives false/);
    expect(at("ops-1", "cnet/cfp", { kind: "cnet.cfp" })).toMatch(/claims priority 0 where the site gives 5/);
    // a manager the policy does not name has priority 0 and no preemption
    expect(at("x", "cnet/cfp", { kind: "cnet.cfp" }, "other")).toBeUndefined();
    expect(at("x", "cnet/cfp", { kind: "cnet.cfp", priority: 1 }, "other")).toMatch(/where the site gives 0/);
    // only calls and awards carry a priority; a bid saying anything is not the gate's business
    expect(at("ops-2", "cnet/reply", { kind: "cnet.bid", priority: 99 })).toBeUndefined();
    expect(g.refused["task:priority"]).toBe(4);
  });
});

describe("two managers, one quadruped", () => {
  it("a higher-priority award that may preempt takes the quadruped off the routine job; the routine manager re-tenders, refunds and returns the bond", async () => {
    const r = await run();
    const routine = byManager(r, "ops-2");
    const urgent = byManager(r, "ops-1");
    expect(routine.priority).toBe(1);
    expect(urgent.priority).toBe(5);
    // the routine round was taken by quadruped-1, then dropped for the urgent one
    expect(contractorOf(r, routine, 1)).toBe("quadruped-1");
    expect(routine.preemptions).toEqual([{ at: expect.any(Number), round: 1, from: "quadruped-1", reason: `preempted by ${urgent.task} (priority 5 over 1)` }]);
    expect(contractorOf(r, urgent, 1)).toBe("quadruped-1");
    expect(urgent.doneAt).toBeGreaterThan(routine.preemptions[0]!.at);
    // tendered again: quadruped-1 is busy with a higher priority, so quadruped-2 does it
    expect(routine.rounds).toBe(2);
    expect(contractorOf(r, routine, 2)).toBe("quadruped-2");
    expect(routine.doneAt).toBeGreaterThan(urgent.doneAt!);
    // the preempted contract: refunded to ops-2, quadruped-1's bond returned, no bond kept anywhere
    const eco = r.economy!;
    const escrow = `${routine.task}/1/`;
    const preempted = eco.contracts.filter((c) => c.escrow.startsWith(escrow));
    expect(preempted.map((c) => [c.bond, c.from, c.to, c.state])).toEqual([
      [false, "ops-2", "quadruped-1", "refunded"],
      [true, "quadruped-1", "ops-2", "refunded"], // a bond refunded goes back to the contractor that posted it
    ]);
    expect(eco.bondsKept).toBe(0);
    const paidUrgent = eco.contracts.find((c) => !c.bond && c.from === "ops-1")!;
    expect(paidUrgent.state).toBe("released");
    expect(eco.closing["quadruped-1"]).toBe(eco.opening["quadruped-1"]! + paidUrgent.amount);
    // the timeline shows it: the report's task story and the failed message with its reason
    expect(published(r.trace, "cnet.failed").map((e) => (e.data!.body as Body).reason)).toEqual([routine.preemptions[0]!.reason]);
  }, 60_000);

  it("without preemption the newcomer is refused with the holder's priority, and awarded to its next bid", async () => {
    const r = await run({ policy: [["{ priority: 5, preempt: true }", "{ priority: 5 }"]], scenario: [["priority: 5, preempt: true", "priority: 5"]] });
    const routine = byManager(r, "ops-2");
    const urgent = byManager(r, "ops-1");
    expect(routine.preemptions).toEqual([]);
    expect(contractorOf(r, routine, 1)).toBe("quadruped-1");
    expect(routine.doneAt).toBeDefined();
    expect(urgent.refusals).toEqual([{ at: expect.any(Number), round: 1, from: "quadruped-1", reason: `busy with ${routine.task} of priority 1, and ${urgent.task} may not preempt it` }]);
    // the same round goes to the next bid
    expect(urgent.rounds).toBe(1);
    expect(contractorOf(r, urgent, 1)).toBe("quadruped-2");
    expect(urgent.doneAt).toBeDefined();
    expect(published(r.trace, "cnet.failed")).toEqual([]);
  }, 60_000);

  it("awards offered at once go to the higher priority; the loser is refused naming the winner's priority and re-awards", async () => {
    const r = await run({ scenario: [["home: [5, 5], awardWindowMs: 0", "home: [5, 5], awardWindowMs: 1500"]] });
    const routine = byManager(r, "ops-2");
    const urgent = byManager(r, "ops-1");
    // ops-2's award came first (2.5 s) but ops-1's (3.7 s) came within the window: ops-1 wins
    expect(routine.refusals).toEqual([{ at: expect.any(Number), round: 1, from: "quadruped-1", reason: `offered ${urgent.task} of priority 5 at once (this one: 1)` }]);
    expect(contractorOf(r, urgent, 1)).toBe("quadruped-1");
    expect(contractorOf(r, routine, 1)).toBe("quadruped-2");
    expect(routine.rounds).toBe(1);
    expect(routine.preemptions).toEqual([]);
    expect(urgent.doneAt).toBeDefined();
    expect(routine.doneAt).toBeDefined();
  }, 60_000);

  it("between equal priorities offered at once, the call seen first wins", async () => {
    const r = await run({
      policy: [["{ priority: 5, preempt: true }", "{ priority: 1 }"]],
      scenario: [["priority: 5, preempt: true", "priority: 1"], ["home: [5, 5], awardWindowMs: 0", "home: [5, 5], awardWindowMs: 1500"]],
    });
    const routine = byManager(r, "ops-2");
    const urgent = byManager(r, "ops-1");
    // ops-2 called at 2.0 s, ops-1 at 2.2 s: both priority 1, so ops-2's call came first
    expect(routine.announcedAt).toBeLessThan(urgent.announcedAt);
    expect(urgent.refusals).toEqual([{ at: expect.any(Number), round: 1, from: "quadruped-1", reason: `offered ${routine.task} of priority 1 at once (this one: 1)` }]);
    expect(contractorOf(r, routine, 1)).toBe("quadruped-1");
    expect(contractorOf(r, urgent, 1)).toBe("quadruped-2");
  }, 60_000);

  it("a manager claiming a priority the policy does not give it is refused in the kernel, counted and traced", async () => {
    const r = await run({ scenario: [["bidWindowMs: 500, priority: 1,", "bidWindowMs: 500, priority: 9,"]] });
    expect(r.policy!.refused["task:priority"]).toBeGreaterThan(0);
    const refusals = r.trace.filter((e) => e.type === "refused" && e.device === "ops-2");
    expect(refusals.length).toBe(r.policy!.refused["task:priority"]);
    expect(refusals[0]!.text).toMatch(/inspection-rounds's cnet\/cfp claims priority 9 where the site gives 1/);
    // no call of ops-2 reached the bus: no task of its is in the story
    expect(taskStories(r.trace).map((t) => t.manager)).toEqual(["ops-1"]);
  }, 60_000);

  it("is the same run twice with the same seed", async () => {
    const a = await run();
    const b = await run();
    const story = (x: SimResult) => JSON.stringify(x.trace.filter((e) => e.type === "publish" || e.type === "refused").map((e) => [e.t, e.device, e.data?.topic, e.data?.body]));
    expect(story(a)).toBe(story(b));
    expect(taskStories(a.trace)).toEqual(taskStories(b.trace));
  }, 60_000);
});

describe("two material handlers, three robots", () => {
  it("the robots' AwardDesk gives the urgent handler's moves priority: its awards taken at once, the routine moves preempted, refunded and tendered again", async () => {
    const r = await runScenario(loadScenario(path.join(DIR, "conflicts-line.yaml")));
    const stories = taskStories(r.trace);
    const urgent = stories.filter((t) => t.manager === "handler-2");
    const routine = stories.filter((t) => t.manager === "handler-1");
    expect(urgent.length).toBeGreaterThanOrEqual(3);
    expect(routine.length).toBeGreaterThanOrEqual(3);
    // handler-2's moves: priority 5, the first award taken, never refused or dropped
    for (const t of urgent) {
      expect(t.priority).toBe(5);
      expect(t.refusals).toEqual([]);
      expect(t.preemptions).toEqual([]);
    }
    expect(urgent.filter((t) => t.doneAt !== undefined && t.rounds === 1).length).toBeGreaterThanOrEqual(3);
    // handler-1's moves: dropped for handler-2's, by the robot that then carries the urgent one
    const preemptions = routine.flatMap((t) => t.preemptions);
    expect(preemptions.length).toBeGreaterThanOrEqual(3);
    for (const p of preemptions) {
      const m = /^preempted by (move-[0-9a-f]+) \(priority 5 over 1\)$/.exec(p.reason);
      expect(m, p.reason).not.toBeNull();
      const by = urgent.find((t) => t.task === m![1])!;
      expect(contractorOf(r, by, 1)).toBe(p.from);
    }
    // a routine award to a robot busy with another routine move is refused: equal priority does not preempt
    for (const f of routine.flatMap((t) => t.refusals)) expect(f.reason).toMatch(/^busy with move-[0-9a-f]+ of priority 1$/);
    for (const t of routine) expect(t.priority).toBe(1);
    // a preempted move is tendered again, its escrow refunded and the robot's bond returned
    expect(routine.filter((t) => t.preemptions.length > 0).every((t) => t.rounds > t.preemptions[0]!.round)).toBe(true);
    const eco = r.economy!;
    for (const t of routine)
      for (const p of t.preemptions) {
        const c = eco.contracts.filter((x) => x.escrow.startsWith(`${t.task}/${p.round}/`));
        expect(c.map((x) => [x.bond, x.state])).toEqual([[false, "refunded"], [true, "refunded"]]);
      }
    expect(eco.bondsKept).toBe(0);
  }, 120_000);
});
