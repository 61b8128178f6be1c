// The load sweep on the production line: the same seeded arrivals under the three policies.
import { describe, expect, it } from "vitest";
import { LINE_MODELS, productionLineDevices, productionLineEvents, runSweep, type Policy } from "../../host/sched/index.ts";
import { model } from "./models.ts";

const models = Object.fromEntries(LINE_MODELS.map((n) => [n, model(n)]));
const run = (policy: Policy, load: number, durationMs = 30_000) =>
  runSweep({ devices: productionLineDevices(), models, durationMs, load, policy, seed: 11, events: productionLineEvents(durationMs) });

describe("load sweep", () => {
  it("is deterministic for a seed and counts every request once", () => {
    const a = run("colony", 2);
    expect(run("colony", 2)).toEqual(a);
    expect(a.onTime + a.late + a.refused + a.shed).toBeLessThanOrEqual(a.requests);
    expect(a.late).toBe(0); // EDF admission never lets an admitted job finish late
    expect(run("fifo", 2).requests).toBe(a.requests);
  });

  it.each([2, 4])("at %ix the scheduler misses under half the deadlines FIFO and local-only miss, none late, for less energy per inference than local-only", (load) => {
    const [c, f, l] = (["colony", "fifo", "local"] as const).map((p) => run(p, load));
    expect(c!.late).toBe(0); // offloads in flight are counted by every admission on their unit
    expect(c!.missRate).toBeLessThan(f!.missRate / 2);
    expect(c!.missRate).toBeLessThan(l!.missRate / 2);
    expect(c!.energyPerInferenceUj).toBeLessThan(l!.energyPerInferenceUj);
    expect(c!.offloaded).toBeGreaterThan(0);
    expect(l!.offloaded).toBe(0);
  });

  it("records the state changes and what regulation did about them in its trace", () => {
    const r = run("colony", 4);
    const states = r.trace.filter((e) => e.kind === "state");
    expect(states.map((e) => e.device)).toEqual(["amr-2", "qc-1"]);
    expect(r.trace.some((e) => e.kind === "refuse" && e.device === "qc-1")).toBe(true);
    expect(r.trace.some((e) => e.kind === "offload" && /-> [a-z0-9-]+\/(cnn0|vec0)$/.test(e.detail))).toBe(true);
  });

  it("refuses a bad load factor and an unknown model by name", () => {
    expect(() => runSweep({ devices: productionLineDevices(), models, durationMs: 1000, load: 0, policy: "colony", seed: 1 })).toThrow(/load must be a positive factor, got 0/);
    expect(() => runSweep({ devices: productionLineDevices(), models: {}, durationMs: 1000, load: 1, policy: "colony", seed: 1 })).toThrow(/workload names model "\w+", which the sweep was not given/);
  });
});
