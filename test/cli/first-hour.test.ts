// What a new user meets in the first hour (issue #15): Ctrl-C on a long run, flags checked
// before anything runs, errors as JSON under --json, a --report that cannot be written,
// message bodies in what a run prints and writes, and output that stays small on a big fleet.
import { execFile, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const ROOT = path.resolve(import.meta.dirname, "../..");
const COLONY = path.join(ROOT, "bin/colony.js");
const run = promisify(execFile);

async function colony(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await run(process.execPath, [COLONY, ...args], { cwd: ROOT, env: { ...process.env, NO_COLOR: "1" }, maxBuffer: 64 << 20 });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const x = e as { code: number; stdout: string; stderr: string };
    return { code: x.code, stdout: x.stdout, stderr: x.stderr };
  }
}

const tmp = (): string => mkdtempSync(path.join(os.tmpdir(), "colony-first-hour-"));

describe("Ctrl-C on a virtual-clock run", () => {
  it("a real SIGINT stops the run, writes the report, says so and exits 130", async () => {
    const dir = tmp();
    const child = spawn(process.execPath, [COLONY, "sim", "scenarios/fleet-1000.yaml", "--duration", "10m", "--quiet", "--report", dir], { cwd: ROOT, env: { ...process.env, NO_COLOR: "1" } });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (b: Buffer) => (stdout += b.toString()));
    // the signal goes once the run has said it is running, as a person would press Ctrl-C
    const running = new Promise<void>((resolve) =>
      child.stderr.on("data", (b: Buffer) => {
        stderr += b.toString();
        if (stderr.includes("colony: running")) resolve();
      }),
    );
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    await running;
    // let it simulate a little, so the report has something in it
    await new Promise((r) => setTimeout(r, 1500));
    child.kill("SIGINT");
    const code = await exited;
    expect(code).toBe(130);
    expect(stderr).toContain("colony: stopping");
    const stopped = /stopped early by Ctrl-C at (.+) of 10m00s/.exec(stdout);
    expect(stopped, stdout).not.toBeNull();
    expect(stopped![1]).not.toBe("10m00s");
    // the expectations a cut-short run could not meet yet are not called failures
    expect(stdout).toMatch(/expectations checked on a run stopped early/);
    expect(stdout).not.toMatch(/^FAIL /m);
    const summary = JSON.parse(readFileSync(path.join(dir, "summary.json"), "utf8")) as { stoppedEarly: boolean; simulatedMs: number; agents: unknown };
    expect(summary.stoppedEarly).toBe(true);
    expect(summary.simulatedMs).toBeGreaterThan(0);
    expect(summary.simulatedMs).toBeLessThan(600_000);
    expect(statSync(path.join(dir, "report.html")).size).toBeGreaterThan(0);
    expect(existsSync(path.join(dir, "trace.json"))).toBe(true);
  });
});

describe("flags are checked before anything runs", () => {
  it("refuses a seed that is not a number and a duration without a unit", async () => {
    const seed = await colony("sim", "scenarios/pump-room-mini.yaml", "--seed", "abc");
    expect(seed.code).toBe(1);
    expect(seed.stderr).toMatch(/--seed "abc": expected a whole number/);
    const unitless = await colony("sim", "scenarios/pump-room-mini.yaml", "--duration", "10");
    expect(unitless.code).toBe(1);
    expect(unitless.stderr).toMatch(/--duration "10": give a unit, e\.g\. 10s, 10ms or 10m/);
    const run = await colony("run", "build/agents/heartbeat.wasm", "--board", "esp32-devkitc", "--seed", "1.5");
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/--seed "1\.5": expected a whole number/);
    // nothing ran: no timeline, no summary
    expect(seed.stdout).toBe("");
  });

  it("under --json an error is JSON on stdout, with its exit code", async () => {
    const r = await colony("sim", "scenarios/pump-room-mini.yaml", "--seed", "abc", "--json");
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toEqual({ error: { message: '--seed "abc": expected a whole number from 0 to 4294967295', exitCode: 1 } });
    const missing = await colony("sim", "no/such.yaml", "--json");
    expect(missing.code).toBe(1);
    expect((JSON.parse(missing.stdout) as { error: { message: string } }).error.message).toMatch(/no\/such\.yaml/);
  });

  it("a --report directory that cannot be written is refused before the run", async () => {
    const dir = tmp();
    const file = path.join(dir, "a-file");
    writeFileSync(file, "");
    const r = await colony("sim", "scenarios/pump-room-mini.yaml", "--report", path.join(file, "out"));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/--report .*a-file\/out: cannot write there: a part of the path is not a directory|--report .*a-file\/out: cannot write there: a file is in the way/);
    expect(r.stderr).not.toContain("colony: running");
  });

  it("an unknown agent name in a scenario says so and lists the known ones", async () => {
    const dir = tmp();
    const file = path.join(dir, "typo.yaml");
    writeFileSync(file, "name: t\nsite: s\nduration: 1s\ndevices:\n  - id: a\n    board: esp32-c3\n    agents: [hartbeat]\n");
    const r = await colony("sim", file);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/typo\.yaml:7: devices\[0\]\.agents\[0\]: unknown agent "hartbeat" \(known: .*heartbeat/);
  });
});

describe("what agents published is shown, decoded", () => {
  it("the timeline shows short bodies; trace.json and --json hold whole ones", async () => {
    const dir = tmp();
    const text = await colony("sim", "scenarios/pump-room-mini.yaml", "--report", dir);
    expect(text.code).toBe(0);
    // the monitor's anomaly, as CBOR decoded to a map, on its timeline line
    expect(text.stdout).toMatch(/publish\s+.*event\/anomaly \(\d+ B\)\s+\{.*rms.*\}/);
    const trace = JSON.parse(readFileSync(path.join(dir, "trace.json"), "utf8")) as { type: string; data?: { topic?: string; body?: Record<string, unknown> } }[];
    const anomaly = trace.find((e) => e.type === "publish" && e.data?.topic === "event/anomaly");
    expect(anomaly?.data?.body).toBeTypeOf("object");
    expect(anomaly!.data!.body!.rms).toBeTypeOf("number");
    expect(anomaly!.data!.body!.rms as number).toBeGreaterThan(0.8);
    const json = await colony("sim", "scenarios/pump-room-mini.yaml", "--json");
    const summary = JSON.parse(json.stdout) as { trace: { type: string; data?: { topic?: string; body?: Record<string, unknown> } }[] };
    const viaJson = summary.trace.find((e) => e.type === "publish" && e.data?.topic === "event/anomaly");
    expect(viaJson?.data?.body).toEqual(anomaly!.data!.body);
  });
});

describe("output that scales", () => {
  it("a thousand devices: a grouped summary, bounded files, and --detail for every row", async () => {
    const dir = tmp();
    const r = await colony("sim", "scenarios/fleet-1000.yaml", "--duration", "5s", "--quiet", "--report", dir);
    // 5 s is too short for the fleet's auctions: exit 3 names that expectation, the output is what is tested
    expect(r.code).toBe(3);
    expect(r.stdout).toMatch(/report written to/);
    const lines = r.stdout.split("\n");
    // 3,000 agents are summarised by agent kind, not one row each
    expect(lines.length).toBeLessThan(80);
    expect(r.stdout).not.toMatch(/dev-?999\/heartbeat/);
    const sizes = ["report.html", "summary.json", "trace.json"].map((f) => statSync(path.join(dir, f)).size);
    // ECharts alone is ~1 MB of the page; the rest is bounded by aggregation, not by the fleet
    expect(sizes[0]!).toBeLessThan(2.5 * 1024 * 1024);
    expect(sizes[1]! + sizes[2]!).toBeLessThan(2.5 * 1024 * 1024);
    const summary = JSON.parse(readFileSync(path.join(dir, "summary.json"), "utf8")) as { agents: unknown[]; traceFile: { written: number; events: number } };
    expect(summary.traceFile.written).toBeLessThan(summary.traceFile.events);
    const detail = await colony("sim", "scenarios/fleet-1000.yaml", "--duration", "5s", "--quiet", "--detail", "--json");
    const all = JSON.parse(detail.stdout) as { agents: unknown[] };
    expect(all.agents.length).toBe(3000);
  });
});
