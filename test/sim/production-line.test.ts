// The production line at a reduced length: every defective part is flagged by
// the real ResNet-8 model, carried off by a robot that won the move, confirmed
// by quality, and re-planned by the MES; two runs with one seed agree.
import { describe, expect, it } from "vitest";
import { loadScenario, runScenario, summaryJson } from "../../host/sim/index.ts";
import { taskStories } from "../../host/sim/tasks.ts";

describe("production line", () => {
  it("flags, removes, re-checks and re-plans defective parts", async () => {
    const sc = loadScenario("scenarios/production-line.yaml");
    const r = await runScenario(sc, { durationMs: 80_000 });
    const l = r.line!;
    expect(l.trueDefects).toBeGreaterThanOrEqual(3);
    expect(l.caught).toBe(l.trueDefects);
    expect(l.falseAlarms).toBe(0);
    expect(r.trace.some((e) => e.type === "model" && e.device === "camera-1" && e.data?.unit === "npu")).toBe(true);
    // every model_invoke was placed by host/sched first: the camera's and the quality station's ic on their own
    // accelerators, the gateway's event-lm on its DSP unit
    const placed = r.trace.filter((e) => e.type === "sched");
    expect(placed.length).toBe(r.trace.filter((e) => e.type === "model").length);
    expect(new Set(placed.map((e) => `${e.device} -> ${e.data?.device}/${e.data?.unit}`))).toEqual(new Set(["camera-1 -> camera-1/cnn0", "qc-1 -> qc-1/vec0", "gateway-1 -> gateway-1/dsp0"]));
    const pubs = (topic: string) => r.trace.filter((e) => e.type === "publish" && e.data?.topic === topic).map((e) => e.data!.body as Record<string, unknown>);
    // the gateway reads every defect event's text and asks for the part at the camera to be rejected
    const defects = pubs("event/defect"), plans = pubs("plan/instruction");
    expect(plans.length).toBe(defects.length);
    for (const p of plans) expect([p.action, p.target, p.from]).toEqual(["reject", "camera-1", "event/defect"]);
    const removed = pubs("line/removed").map((b) => b.item);
    const verdicts = pubs("qc/result");
    expect(removed.length).toBeGreaterThanOrEqual(3);
    expect(verdicts.map((v) => v.item)).toEqual(removed);
    expect(verdicts.every((v) => v.scrap === true)).toBe(true);
    const schedule = pubs("mes/schedule").at(-1)!;
    expect(schedule.scrap).toBe(verdicts.length);
    expect(schedule.remaining).toBe(50 + verdicts.length - (schedule.good as number));
    // every move went to a robot that bid for it, and each robot did at most one at a time
    for (const t of taskStories(r.trace).filter((t) => t.doneAt !== undefined)) expect(t.bids.map((b) => b.device)).toContain(t.contractorDevice);
    for (const [robot, u] of Object.entries(l.utilisation)) {
      expect(robot).toMatch(/^amr-/);
      expect(u).toBeLessThanOrEqual(1);
    }
    expect(l.removalMs.count).toBe(removed.length);
    expect(r.agents.every((a) => a.metrics.faults === 0)).toBe(true);
  });

  it("is deterministic", async () => {
    const sc = loadScenario("scenarios/production-line.yaml");
    const strip = (s: ReturnType<typeof summaryJson>) => ({ ...s, wallMs: 0, setupMs: 0 });
    const a = strip(summaryJson(await runScenario(sc, { durationMs: 30_000 })));
    const b = strip(summaryJson(await runScenario(sc, { durationMs: 30_000 })));
    expect(b).toEqual(a);
  });
});
