// The flagship scenario at a reduced length: the anomaly is found by the real
// AD model, the best-placed quadruped wins the inspection and reaches the pump,
// the drone confirms; two runs with one seed give identical summaries.
import { describe, expect, it } from "vitest";
import { loadScenario, runScenario, summaryJson } from "../../host/sim/index.ts";
import { htmlReport } from "../../host/sim/html.ts";
import { taskStories } from "../../host/sim/tasks.ts";

describe("pump room", () => {
  it("self-organizes: anomaly, tender, award to the best bidder, inspection, confirmation", async () => {
    const sc = loadScenario("scenarios/pump-room.yaml");
    const r = await runScenario(sc, { durationMs: 70_000 });
    const anomaly = r.trace.find((e) => e.type === "publish" && e.data?.topic === "event/anomaly")!;
    expect(anomaly.device).toBe("drone-1");
    expect(anomaly.t).toBeGreaterThan(30_000); // the fault starts at 30 s
    expect(r.trace.some((e) => e.type === "model" && e.device === "drone-1")).toBe(true);
    const [task] = taskStories(r.trace);
    expect(task).toBeDefined();
    // quadruped-2's battery is too low to bid; quadruped-3 is nearest
    expect(task!.bids.map((b) => b.device).sort()).toEqual(["quadruped-1", "quadruped-3"]);
    expect(task!.contractorDevice).toBe("quadruped-3");
    const best = [...task!.bids].sort((a, b) => a.cost - b.cost)[0]!;
    expect(best.device).toBe("quadruped-3");
    const arrived = r.trace.find((e) => e.device === "quadruped-3" && e.type === "actuator" && Array.isArray(e.data?.arrived))!;
    expect(arrived.data!.arrived).toEqual([32, 22]);
    expect(task!.doneAt).toBeGreaterThan(arrived.t);
    expect((task!.result as { fault: boolean }).fault).toBe(true);
    expect(task!.confirmedAt).toBeGreaterThan(task!.doneAt!);
    expect(r.actuators.find((a) => a.alias === "valve0")!.commands).toBe(1);
    expect(r.agents.every((a) => a.metrics.faults === 0)).toBe(true);
    const q3 = r.devices.find((d) => d.id === "quadruped-3")!;
    // it walked around the tanks and the plinth wall, further than the straight line (~14.6 m)
    expect(q3.travelledM).toBeGreaterThan(15);
    expect(q3.energy.level).toBeLessThan(0.95);
    const html = htmlReport(sc, r);
    expect(html).toContain("Awarded to <b>quadruped-3</b>");
    expect(html).toContain("echarts");
  });

  it("is deterministic", async () => {
    const sc = loadScenario("scenarios/pump-room.yaml");
    const a = summaryJson(await runScenario(sc, { durationMs: 45_000 }));
    const b = summaryJson(await runScenario(sc, { durationMs: 45_000 }));
    const strip = (s: typeof a) => ({ ...s, wallMs: 0, setupMs: 0 });
    expect(strip(b)).toEqual(strip(a));
  });
});
