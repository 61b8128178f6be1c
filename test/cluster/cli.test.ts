// `colony cluster` refuses bad arguments before it starts anything, naming the flag or the file.
import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const ROOT = path.resolve(import.meta.dirname, "../..");

async function colony(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await promisify(execFile)(process.execPath, [path.join(ROOT, "bin/colony.js"), "cluster", ...args], { cwd: ROOT });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const x = e as { code: number; stdout: string; stderr: string };
    return { code: x.code, stdout: x.stdout, stderr: x.stderr };
  }
}

describe("colony cluster: bad arguments", () => {
  it("names the flag, the file or the scenario's problem", async () => {
    const brokers = await colony("scenarios/fleet-1000.yaml", "--shards", "2", "--brokers", "3");
    expect(brokers.code).toBe(1);
    expect(brokers.stderr).toMatch(/--brokers 3: more brokers than --shards 2 leaves a broker without a shard/);
    const shards = await colony("scenarios/fleet-1000.yaml", "--shards", "0");
    expect(shards.code).toBe(1);
    expect(shards.stderr).toMatch(/--shards "0": expected a whole number from 1 to 255/);
    const missing = await colony("no/such.yaml", "--json");
    expect(missing.code).toBe(1);
    expect(JSON.parse(missing.stdout).error.message).toMatch(/no\/such\.yaml: cannot read scenario: no such file/);
    const groups = await colony("scenarios/pump-room.yaml", "--devices", "10");
    expect(groups.code).toBe(1);
    expect(groups.stderr).toMatch(/devices: scenarios\/pump-room\.yaml needs exactly one fleet group to set its count/);
  });
});
