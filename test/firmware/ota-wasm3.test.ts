// wasm3 agents loaded at boot from the `agents` partition (firmware/ota/boot.c) under QEMU,
// and wasm3's allocations kept in the engine's static pool across restarts. wasm3's sources
// come from WASM3_DIR, which CI does not have: these tests skip without it, even under CI.
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { buildFirmware, parseFirmwareOutput, runQemu, wasm3Dir } from "../../host/firmware/index.ts";
import { buildBundle, hex, type PublisherKey } from "../../host/ota/index.ts";
import { PUBLISHER, STRANGER } from "../ota/fixtures.ts";
import { buildAllAgents, missingTools, OUT, ROOT, testAgent } from "./helpers.ts";

const hasWasm3 = wasm3Dir() !== undefined;
const missing = hasWasm3 ? missingTools(["arm-none-eabi-gcc", "qemu-system-arm"]) : ["WASM3_DIR"];
const BOARD = "mps2-an386";

function heartbeatBundle(version: string, key: PublisherKey): string {
  const dir = path.join(ROOT, "build/agents");
  const manifest = { ...JSON.parse(readFileSync(path.join(dir, "heartbeat.json"), "utf8")), version };
  const file = path.join(OUT, "ota-wasm3", `heartbeat-${version}-${hex(key.publicKey).slice(0, 8)}.cab`);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, buildBundle(manifest, new Uint8Array(readFileSync(path.join(dir, "heartbeat.wasm"))), key));
  return file;
}

async function run(tag: string, o: Partial<Parameters<typeof buildFirmware>[0]> & { agents: Parameters<typeof buildFirmware>[0]["agents"] }) {
  const built = await buildFirmware({ root: ROOT, board: BOARD, events: 30, out: path.join(OUT, `ota-wasm3-${tag}`), engine: "wasm3", ...o });
  const r = await runQemu({ board: BOARD, elf: built.elf, timeoutMs: 60_000 });
  return { built, run: r, output: parseFirmwareOutput(r.stdout), lines: r.stdout.split("\n") };
}

describe.skipIf(missing.length > 0)("wasm3 agents from the agents partition (QEMU)", () => {
  beforeAll(buildAllAgents, 180_000);

  it("boots an agent from its slot in the partition; the other agents run compiled in", async () => {
    const { run: r, output, lines } = await run("part", {
      agents: ["heartbeat", "vibration-monitor"],
      agentsPartition: { bundles: [heartbeatBundle("1.0.1", PUBLISHER)], trustedKeys: [hex(PUBLISHER.publicKey)] },
    });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(lines).toContain("ota: heartbeat 1.0.1 slot 0");
    expect(output.metrics.get("heartbeat")).toMatchObject({ status: "running", faults: 0 });
    expect(output.metrics.get("heartbeat")!.published).toBeGreaterThan(0);
    expect(output.metrics.get("vibration-monitor")).toMatchObject({ status: "running", faults: 0 });
  }, 240_000);

  it("refuses a module signed by an untrusted key: the agent runs the module compiled in", async () => {
    const { run: r, output, lines } = await run("untrusted", {
      agents: ["heartbeat"],
      agentsPartition: { bundles: [heartbeatBundle("1.0.1", STRANGER)], trustedKeys: [hex(PUBLISHER.publicKey)] },
    });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(lines).toContain("ota: heartbeat refused: untrusted-key");
    expect(output.metrics.get("heartbeat")).toMatchObject({ status: "running", faults: 0 });
  }, 240_000);

  it("restarts reuse wasm3's pool: the same bytes in use after every re-instantiate, no C heap linked", async () => {
    const { built, run: r, lines } = await run("heap", { agents: ["heartbeat", testAgent("spinner"), testAgent("crasher")] });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const heap = (agent: string) =>
      lines.filter((l) => l.startsWith(`wasm3 heap ${agent} `)).map((l) => Object.fromEntries(l.split(" ").slice(3).map((kv) => kv.split("=")).map(([k, v]) => [k, Number(v)])));
    for (const agent of ["spinner", "crasher"]) {
      const h = heap(agent);
      expect(h.length, `${agent}: instantiated at start and at each of its 2 restarts`).toBe(3);
      // (the first count is lower: the agents instantiated later, and the code wasm3 compiles
      // lazily on first calls, are not there yet)
      expect(h[2]!.used, `${agent}: bytes in use after each restart`).toBe(h[1]!.used);
      expect(h[2]!.peak, `${agent}: the pool's high-water mark does not move with restarts`).toBe(h[1]!.peak);
    }
    const all = lines.filter((l) => l.startsWith("wasm3 heap "));
    const peak = Math.max(...all.map((l) => Number(/peak=(\d+)/.exec(l)![1])));
    const pool = Number(/pool=(\d+)/.exec(all[0]!)![1]);
    expect(peak).toBeLessThan(pool);
    // wasm3's calloc/realloc/free are the pool's: none of the C heap's entry points is defined
    const symbols = execFileSync("arm-none-eabi-nm", [built.elf], { encoding: "utf8" });
    for (const fn of ["malloc", "calloc", "realloc", "free"]) expect(symbols).not.toMatch(new RegExp(` T ${fn}$`, "m"));
    console.log(`wasm3 pool: peak ${peak} of ${pool} bytes for heartbeat + spinner + crasher (1 page each)`);
  }, 240_000);
});
