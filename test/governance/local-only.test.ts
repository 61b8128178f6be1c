// Topics the site keeps on the device: raw data published there reaches the device's own
// agents and nothing else, and the egress rule does not refuse it, since it never leaves.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parsePolicy, PolicyGate } from "../../host/governance/index.ts";
import { loadScenario, runScenario } from "../../host/sim/index.ts";

const ROOT = path.resolve(import.meta.dirname, "../..");

describe("local-only topics", () => {
  it("the gate names them, and raw data may go there", () => {
    const g = new PolicyGate(parsePolicy("localOnly: [features/#]\n", "p.yaml"));
    expect(g.localOnly("features/vib")).toBe(true);
    expect(g.localOnly("event/anomaly")).toBe(false);
    const at = (topic: string) => g.checkPublish({ device: "d", agent: "a", topic, bytes: 8, sensors: ["accel0"], now: 0 });
    expect(at("features/vib")).toBeUndefined();
    expect(at("event/anomaly")).toMatch(/raw data may not leave the device/);
  });

  it("in a run: the monitor's raw alarm reaches a responder on its own board, not the controller across the bus", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "colony-local-"));
    const mini = readFileSync(path.join(ROOT, "scenarios/pump-room-mini.yaml"), "utf8")
      .replace("site: pump-room\n", "site: pump-room\npolicy: policy.yaml\n")
      // a responder and a valve of its own on the pump's board, beside the monitor
      .replace("    agents: [heartbeat, vibration-monitor]", "    actuators: [valve0]\n    agents: [heartbeat, vibration-monitor, responder]");
    writeFileSync(path.join(dir, "mini.yaml"), mini);
    // accel0 is not classed: raw, so event/anomaly may not leave pump-1, unless it stays there
    writeFileSync(path.join(dir, "policy.yaml"), "topics: { presence/#: public }\nlocalOnly: [event/#]\n");
    const r = await runScenario(loadScenario(path.join(dir, "mini.yaml")));
    expect(r.policy!.refused).toEqual({});
    const alarms = r.trace.filter((e) => e.type === "publish" && e.data?.topic === "event/anomaly");
    expect(alarms.length).toBeGreaterThan(0);
    expect(alarms.every((e) => e.device === "pump-1" && e.data?.local === true)).toBe(true);
    const valve = (device: string) => r.actuators.find((a) => a.device === device && a.alias === "valve0")!.commands;
    expect(valve("pump-1")).toBe(1); // its own responder closed its own valve
    expect(valve("controller-1")).toBe(0); // the alarm never went on the bus
  });
});
