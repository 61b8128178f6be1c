// scenarios/ota-rollout.yaml as `colony sim` runs it: a signed release goes out in a canary
// and waves over the embedded broker, the small boards cannot take it and roll back on their
// own, the rollout halts before its last wave, and the operator's rollback brings every
// device back. Checked on what the devices' kernels really run, not on what was reported.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseScenario, runScenario, ScenarioError, type SimResult } from "../../host/sim/index.ts";

const FILE = "scenarios/ota-rollout.yaml";
// the same scenario, with the operator's rollback and the end brought forward
const text = readFileSync(FILE, "utf8").replace("rollbackAt: 20s", "rollbackAt: 8s").replace("duration: 28s", "duration: 10s");

describe("an OTA rollout in the simulator", () => {
  let r: SimResult;
  it("canary and first wave commit, the small boards roll back, the rollout halts, the operator rolls back", async () => {
    r = await runScenario(parseScenario(text, FILE));
    const ota = r.ota!;
    expect(ota.error).toBeUndefined();
    expect(ota.rollout!.waves.map((w) => w.length)).toEqual([2, 6, 6, 6]);
    const [canary, first, second, third] = ota.rollout!.waves as [string[], string[], string[], string[]];
    expect(canary).toEqual(["bay1-0", "bay1-1"]);
    expect(ota.history.map((h) => h.state)).toEqual(["running", "running", "running", "halted", "rolled-back"]);
    const halted = ota.history.find((h) => h.state === "halted")!;
    expect(halted.reason).toMatch(/4 of 14 devices failed \(28\.6% > 5%\) after wave 3\/4/);

    const events = (device: string) => r.trace.filter((e) => e.type === "ota" && e.device === device).map((e) => e.text);
    const starts = (device: string) => r.trace.filter((e) => e.type === "start" && e.device === device).map((e) => e.text.split(" ")[0]);
    // the canary and the first wave ran 1.1.0 before the rollback took them back to 1.0.0
    for (const d of [...canary, ...first]) {
      expect(events(d), d).toEqual(expect.arrayContaining(["downloading 1.1.0", "installing 1.1.0", "committed - runs 1.1.0", "rolled-back - runs 1.0.0"]));
      expect(starts(d), d).toEqual(["heartbeat@1.0.0", "heartbeat@1.1.0", "heartbeat@1.0.0"]);
    }
    // the MAX78000s refused the release's memory and kept 1.0.0; the ESP32s of that wave took it
    for (const d of second.filter((x) => x.startsWith("bay2-"))) {
      expect(events(d).some((t) => /rolled-back - runs 1\.0\.0 \(install-failed: .*needs 131072 bytes of agent memory but .* \(max78000\) has 65536/.test(t)), d).toBe(true);
      expect(starts(d), d).not.toContain("heartbeat@1.1.0");
    }
    for (const d of second.filter((x) => x.startsWith("bay3-"))) expect(starts(d), d).toContain("heartbeat@1.1.0");
    // the wave after the halt never started downloading
    for (const d of third) expect(events(d).filter((t) => t.startsWith("downloading")), d).toEqual([]);
    // and at the end every device's kernel runs 1.0.0 again, none faulted
    expect(ota.devices.every((d) => d.running === "1.0.0")).toBe(true);
    const agents = r.agents.filter((a) => a.agent === "heartbeat");
    expect(agents).toHaveLength(20);
    expect(agents.every((a) => a.version === "1.0.0" && a.status === "running" && a.metrics.faults === 0)).toBe(true);
    expect(r.expectations.every((e) => e.ok)).toBe(true);
  });

  it("a bad ota block names the line and the problem", () => {
    const cases: [string, RegExp][] = [
      [text.replace("version: 1.1.0", "version: 0.9.0"), /ota-rollout\.yaml:\d+: ota\.version: 0\.9\.0 is not newer than the 1\.0\.0 the devices run/],
      [text.replace("agent: heartbeat", "agent: nobody"), /ota-rollout\.yaml:\d+: ota\.agent: no device runs agent "nobody"/],
      [text.replace("canary: 10%", "canary: lots"), /ota\.canary: canary is a percentage/],
      [text.replace("rollbackAt: 8s", "rollbackAt: 1s"), /ota\.rollbackAt: rollbackAt comes after at/],
      [text.replace("{ ota: halted }", "{ ota: exploded }"), /expect\[0\]\.ota: ota is a rollout state/],
    ];
    for (const [t, re] of cases) {
      let err: unknown;
      try {
        parseScenario(t, FILE);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(ScenarioError);
      expect((err as Error).message).toMatch(re);
    }
  });
});
