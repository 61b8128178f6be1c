// The pump room with a liar: with reputation off the deceptive quadruped wins most inspections
// (it bids lowest); with reputation on its first contradicted report bars it, honest ones win.
import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { parseScenario, runScenario, type Scenario } from "../../host/sim/index.ts";
import { awardsByDevice } from "../../host/sim/tasks.ts";

const FILE = "scenarios/pump-room-deceptive.yaml";

/** The scenario as shipped (reputation on) or with the drone's `reputation: false`. */
function scenario(on: boolean): Scenario {
  const text = readFileSync(FILE, "utf8");
  if (!text.includes("\n          reputation: true\n")) throw new Error(`${FILE} no longer sets reputation: true`);
  return parseScenario(on ? text : text.replace("\n          reputation: true\n", "\n          reputation: false\n"), FILE);
}

describe("pump room with a deceptive quadruped", () => {
  it("loses its awards once reputation is on", async () => {
    const off = awardsByDevice((await runScenario(scenario(false))).trace);
    const onRun = await runScenario(scenario(true));
    const on = awardsByDevice(onRun.trace);
    const liarOff = (off.byDevice["quadruped-4"] ?? 0) / off.total;
    const liarOn = (on.byDevice["quadruped-4"] ?? 0) / on.total;
    expect(off.total).toBeGreaterThan(5);
    expect(liarOff).toBeGreaterThan(0.5);
    expect(on.total).toBeGreaterThan(10);
    expect(liarOn).toBeLessThan(0.1);
    expect(on.byDevice["quadruped-3"] ?? 0).toBeGreaterThan(on.total / 2);
    const outcomes = onRun.trace.filter((e) => e.type === "publish" && e.data?.topic === "rep/outcome").map((e) => (e.data!.body as { outcome: string }).outcome);
    expect(outcomes).toContain("contradicted");
    expect(outcomes).toContain("confirmed");
  }, 120_000);
});
