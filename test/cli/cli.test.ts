// The `colony` command as a user runs it: exit codes, messages, --json.
import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const ROOT = path.resolve(import.meta.dirname, "../..");
const run = promisify(execFile);

async function colony(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await run(process.execPath, [path.join(ROOT, "bin/colony.js"), ...args], { cwd: ROOT, env: { ...process.env, NO_COLOR: "1" } });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const x = e as { code: number; stdout: string; stderr: string };
    return { code: x.code, stdout: x.stdout, stderr: x.stderr };
  }
}

describe("colony CLI", () => {
  it("boards: lists every required board", async () => {
    const r = await colony("boards", "--json");
    expect(r.code).toBe(0);
    const names = (JSON.parse(r.stdout) as { name: string }[]).map((b) => b.name);
    for (const b of ["esp32-devkitc", "esp32-s3", "esp32-c3", "nrf52840", "stm32f746", "max78000", "mps2-an386"]) expect(names).toContain(b);
    const one = await colony("boards", "nope");
    expect(one.code).toBe(1);
    expect(one.stderr).toMatch(/unknown board "nope"/);
  });

  it("inspect: imports with capabilities, exports, metering", async () => {
    const r = await colony("inspect", "build/agents/vibration-monitor.wasm", "--json");
    expect(r.code).toBe(0);
    const rep = JSON.parse(r.stdout);
    expect(rep.metered).toBe(true);
    expect(rep.capabilitiesNeeded).toEqual(["bus", "clock", "log", "sensor"]);
    expect(rep.exports.map((e: { name: string }) => e.name)).toEqual(expect.arrayContaining(["init", "on_event", "colony_abi", "colony_inbox", "memory", "colony_fuel", "snapshot", "restore"]));
    expect(rep.manifest.name).toBe("vibration-monitor");
    const text = await colony("inspect", "build/agents/heartbeat.wasm");
    expect(text.stdout).toMatch(/colony\.bus_publish \(i32, i32, i32, i32, i32\) -> \(i32\)  \[bus\]/);
    const missing = await colony("inspect", "no/such.wasm");
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/no\/such\.wasm: cannot read module: no such file/);
  });

  it("run: an agent on a board, and a refusal naming the capability", async () => {
    const r = await colony("run", "build/agents/vibration-monitor.wasm", "--board", "esp32-devkitc", "--duration", "2s", "--json");
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.status).toBe("running");
    expect(out.metrics.events).toBe(20);
    const refused = await colony("run", "build/test-agents/snooper.wasm", "--board", "esp32-devkitc");
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/snooper: import "colony\.sensor_open" needs capability "sensor:<name>"/);
    const bomb = await colony("run", "build/agents/heartbeat.wasm", "--board", "esp32-devkitc", "--duration", "forever");
    expect(bomb.code).toBe(1);
    expect(bomb.stderr).toMatch(/--duration: expected a duration/);
  });

  it("sim: runs the scenario, --json summary, errors name the line", async () => {
    const r = await colony("sim", "scenarios/pump-room-mini.yaml", "--json");
    expect(r.code).toBe(0);
    const s = JSON.parse(r.stdout);
    expect(s.expectations.every((e: { ok: boolean }) => e.ok)).toBe(true);
    const text = await colony("sim", "scenarios/pump-room-mini.yaml");
    expect(text.stdout).toMatch(/controller-1\/responder\s+valve0 <- \{"action":"close"\}/);
    expect(text.stdout).toMatch(/PASS  no agent faulted/);
    const bad = await colony("sim", "test/fixtures/scenarios/unknown-board.yaml");
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/unknown-board\.yaml:\d+: devices\[0\]\.board: unknown board "esp99"/);
  });

  it("inspect verifies a signed bundle and refuses an untrusted key", async () => {
    const dir = await import("node:fs").then((fs) => fs.mkdtempSync(path.join(ROOT, "build/inspect-")));
    expect((await colony("keys", "new", "--out", `${dir}/pub.key`)).code).toBe(0);
    expect((await colony("keys", "new", "--out", `${dir}/other.key`)).code).toBe(0);
    expect((await colony("bundle", "build/agents/heartbeat.wasm", "--manifest", "build/agents/heartbeat.json", "--key", `${dir}/pub.key`, "--out", `${dir}/hb.cab`)).code).toBe(0);
    const ok = await colony("inspect", `${dir}/hb.cab`, "--trust", `${dir}/pub.key`, "--json");
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ ok: true, manifest: { name: "heartbeat", version: "1.0.0" } });
    const bad = await colony("inspect", `${dir}/hb.cab`, "--trust", `${dir}/other.key`);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/refused: .*which this site does not trust/);
    // and says how to trust the key it was signed with
    const pub = (await colony("keys", "show", `${dir}/pub.key`)).stdout.trim();
    expect(bad.stderr).toContain(`colony keys trust ${pub} --site <site>`);
  });

  it("--help works everywhere; unknown commands fail", async () => {
    for (const cmd of [[], ["build"], ["run"], ["sim"], ["inspect"], ["boards"]]) {
      const r = await colony(...cmd, "--help");
      expect(r.code, cmd.join(" ")).toBe(0);
      expect(r.stdout).toMatch(/Usage: colony/);
    }
    const r = await colony("frobnicate");
    expect(r.code).not.toBe(0);
  });

  it("build: a missing agent is an error", async () => {
    const r = await colony("build", "--agents", "nope");
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/no agent nope/);
  });
});
