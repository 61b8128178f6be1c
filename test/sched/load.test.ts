// `colony sim ... --load`: factors parsed with clear errors, the sweep of the production line's
// scenario devices, sched.html with both curves and the regulation trace, and the CLI end to end.
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { parseLoads, schedReport, sweepScenario } from "../../host/sched/index.ts";
import { loadScenario } from "../../host/sim/index.ts";
import { ROOT } from "./models.ts";

const exec = promisify(execFile);

describe("--load", () => {
  it("parses factors and names a bad one", () => {
    expect(parseLoads("1x,2x,4x")).toEqual([1, 2, 4]);
    expect(parseLoads("0.5, 3")).toEqual([0.5, 3]);
    expect(() => parseLoads("2y")).toThrow(/"2y" is not a load factor/);
    expect(() => parseLoads("0x")).toThrow(/"0x" is not a load factor/);
    expect(() => parseLoads(",")).toThrow(/expected factors like 1x,2x,4x/);
  });

  it("sweeps the production line's devices and writes both curves and the trace into sched.html", async () => {
    const sc = await loadScenario(path.join(ROOT, "scenarios/production-line.yaml"));
    const s = sweepScenario(sc.devices, sc.models, [1, 4], 20_000, sc.seed);
    expect([...s.devices].sort()).toEqual(["amr-1", "amr-2", "amr-3", "camera-1", "handler-1", "mes-1", "qc-1"]);
    expect(s.results.map((r) => `${r.policy}@${r.load}`)).toEqual(["colony@1", "fifo@1", "local@1", "colony@4", "fifo@4", "local@4"]);
    const html = schedReport(sc.name, s);
    const colony4 = s.results[3]!;
    expect(html).toContain(`[4,${Math.round(colony4.missRate * 100 * 100) / 100}]`);
    expect(html).toContain("deadline-miss rate");
    expect(html).toContain("energy per inference");
    expect(html).toContain("unit-failed");
  });

  it("refuses a scenario with no known inference workload before running it", async () => {
    const sc = await loadScenario(path.join(ROOT, "scenarios/pump-room.yaml"));
    expect(() => sweepScenario(sc.devices, sc.models, [2], 1000, 1)).toThrow(/none of this scenario's devices \(drone-1/);
  });

  it("colony sim --load prints the sweep and writes sched.html beside report.html", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "colony-load-"));
    try {
      const r = await exec(process.execPath, [path.join(ROOT, "bin/colony.js"), "sim", "scenarios/production-line.yaml", "--load", "1x,4x", "--quiet", "--report", dir], { cwd: ROOT });
      expect(r.stdout).toMatch(/load sweep \(7 devices/);
      expect(r.stdout).toMatch(/^ {2}4x {4}colony/m);
      expect(readFileSync(path.join(dir, "sched.html"), "utf8")).toContain("Regulation trace of colony at 4x");
      const bad = await exec(process.execPath, [path.join(ROOT, "bin/colony.js"), "sim", "scenarios/production-line.yaml", "--load", "fast"], { cwd: ROOT }).catch((e: { code: number; stderr: string }) => e);
      expect((bad as { code: number }).code).not.toBe(0);
      expect((bad as { stderr: string }).stderr).toMatch(/--load: "fast" is not a load factor/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
