// Scenarios: the shipped one does what it says, runs are deterministic, and
// a malformed file gets an error naming the line.
import { describe, expect, it } from "vitest";
import { loadScenario, parseScenario, runScenario, ScenarioError } from "../../host/sim/index.ts";

describe("pump-room-mini", () => {
  it("finds the anomaly and closes the valve; every expectation passes", async () => {
    const r = await runScenario(loadScenario("scenarios/pump-room-mini.yaml"));
    expect(r.expectations.map((e) => [e.text, e.ok])).toEqual([
      ["event/anomaly published at least 1 time(s) before 6000 ms", true],
      ["actuator controller-1/valve0 commanded before 6000 ms", true],
      ["no agent faulted", true],
    ]);
    const anomaly = r.trace.find((e) => e.type === "publish" && e.data?.topic === "event/anomaly")!;
    expect(anomaly.t).toBeGreaterThanOrEqual(4000);
    expect(r.agents.every((a) => a.status === "running")).toBe(true);
  });

  it("is deterministic: same seed, identical trace; another seed, another trace", async () => {
    const sc = loadScenario("scenarios/pump-room-mini.yaml");
    const a = await runScenario(sc);
    const b = await runScenario(sc);
    expect(JSON.stringify(b.trace)).toBe(JSON.stringify(a.trace));
    expect(b.agents).toEqual(a.agents);
    const c = await runScenario(sc, { seed: 99 });
    expect(JSON.stringify(c.trace)).not.toBe(JSON.stringify(a.trace));
  });

  it("can be stopped early and still reports", async () => {
    let calls = 0;
    const r = await runScenario(loadScenario("scenarios/pump-room-mini.yaml"), { shouldStop: () => ++calls > 10 });
    expect(r.stoppedEarly).toBe(true);
    expect(r.simulatedMs).toBeLessThan(8000);
    expect(r.agents.length).toBe(4);
  });
});

describe("malformed scenarios", () => {
  const base = (devices: string) => `name: t\nsite: s\nduration: 1s\ndevices:\n${devices}`;
  const withModel = (entry: string) => `name: t\nsite: s\nduration: 1s\nmodels:\n  kws: ${entry}\ndevices:\n  - id: a\n    board: esp32-c3\n    agents: [heartbeat]\n`;
  it("a model may carry the deadline the scheduler places its calls by", () => {
    const sc = parseScenario(withModel("{ file: models/kws.tflite, deadline: 200ms }"), "x.yaml");
    expect(sc.models.get("kws")).toMatch(/models\/kws\.tflite$/);
    expect([...sc.modelDeadlines]).toEqual([["kws", 200]]);
  });
  const cases: [string, string, RegExp][] = [
    ["bad YAML", "name: t\nsite: [unclosed\nseed: 1\n", /^x\.yaml:\d: bad YAML: /],
    ["unknown board", base("  - id: a\n    board: esp9000\n    agents: [heartbeat]\n"), /^x\.yaml:6: devices\[0\]\.board: unknown board "esp9000"/],
    ["unknown agent", base("  - id: a\n    board: esp32-c3\n    agents: [no-such-agent]\n"), /^x\.yaml:7: devices\[0\]\.agents\[0\]: unknown agent "no-such-agent" \(known: .*heartbeat.*\)/],
    ["missing module", base("  - id: a\n    board: esp32-c3\n    agents:\n      - module: no/such.wasm\n"), /^x\.yaml:8: devices\[0\]\.agents\[0\]: module .*no\/such\.wasm not found/],
    ["capability the device lacks", base("  - id: a\n    board: esp32-c3\n    agents:\n      - vibration-monitor\n"), /^x\.yaml:8: devices\[0\]\.agents\[0\]: agent vibration-monitor asks for capability sensor:accel0 but device a has no sensor "accel0"/],
    ["unknown field", base("  - id: a\n    board: esp32-c3\n    agents: [heartbeat]\n    colour: red\n"), /^x\.yaml:8: devices\[0\]\.colour: unknown field "colour"/],
    ["bad duration", base("  - id: a\n    board: esp32-c3\n    agents: [heartbeat]\n").replace("1s", "soon"), /^x\.yaml:3: duration: expected a duration/],
    ["bad model deadline", withModel("{ file: models/kws.tflite, deadline: soon }"), /^x\.yaml:5: models\.kws\.deadline: expected a duration/],
    ["zero model deadline", withModel("{ file: models/kws.tflite, deadline: 0ms }"), /^x\.yaml:5: models\.kws\.deadline: a deadline must be longer than 0 ms/],
    ["unknown model field", withModel("{ file: models/kws.tflite, budget: 3 }"), /^x\.yaml:5: models\.kws\.budget: unknown field "budget"/],
  ];
  for (const [what, text, re] of cases)
    it(`${what}: names the line and the problem`, () => {
      let err: unknown;
      try {
        parseScenario(text, "x.yaml");
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(ScenarioError);
      expect((err as Error).message).toMatch(re);
    });
});
