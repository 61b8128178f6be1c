// Simulator scale: the fleet scenario (heartbeats at 1 Hz, shared state every
// 5 s, an auction a second) at 100, 1,000 and 10,000 agents; real-time factor
// (simulated seconds per wall second) and memory, and how both grow.
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { promisify } from "node:util";
import path from "node:path";
import { parseScenario, runScenario } from "../host/sim/index.ts";
import type { BenchResult } from "./types.ts";

const ROOT = path.resolve(import.meta.dirname, "..");

export async function run(): Promise<BenchResult[]> {
  const base = readFileSync(path.join(ROOT, "scenarios/fleet-1000.yaml"), "utf8");
  const out: BenchResult[] = [];
  let first: { rtf: number; mb: number; agents: number } | undefined;
  for (const devices of [34, 334, 3334]) {
    const seconds = devices > 1000 ? 10 : 20;
    const text = base.replace("count: 1000", `count: ${devices}`).replace("duration: 30s", `duration: ${seconds}s`);
    const sc = parseScenario(text, path.join(ROOT, "scenarios/fleet-bench.yaml"));
    globalThis.gc?.();
    const before = process.memoryUsage().rss;
    let peak = before;
    const r = await runScenario(sc, { onProgress: () => (peak = Math.max(peak, process.memoryUsage().rss)) });
    const agents = devices * 3;
    const rtf = r.simulatedMs / r.wallMs;
    const mb = (peak - before) / 2 ** 20;
    first ??= { rtf, mb, agents };
    out.push({
      name: `sim: fleet, ${agents} agents (${devices} devices)`,
      value: +rtf.toFixed(2),
      unit: "x real time",
      note: `${seconds} s simulated in ${(r.wallMs / 1000).toFixed(1)} s; ${r.eventsRun} events (${Math.round(r.eventsRun / (r.wallMs / 1000))}/s); +${mb.toFixed(0)} MiB RSS (${((mb * 1024) / agents).toFixed(0)} KiB/agent); ${agents === first.agents ? "baseline" : `agents x${(agents / first.agents).toFixed(0)}: speed /${(first.rtf / rtf).toFixed(1)}, memory x${(mb / Math.max(1, first.mb)).toFixed(1)}`}`,
    });
  }
  // Ten thousand devices, 30,000 agents, one process: auctions as often as in fleet-1000 (one
  // dispatcher in a thousand, so the site still tenders about once a second, to 10,000 bidders).
  const { stdout } = await promisify(execFile)(process.execPath, ["--disable-wasm-trap-handler", "--import", "tsx/esm", path.join(ROOT, "bench/fleet/run-fleet.ts"), "10000", "20", "1000"], { cwd: ROOT, maxBuffer: 1 << 20 });
  const big = JSON.parse(stdout.trim().split("\n").pop()!) as { rtf: number; rtfWithSetup: number; wallMs: number; setupMs: number; agentEvents: number; rssMiB: number };
  out.push({
    name: "sim: fleet, 30000 agents (10000 devices, own process)",
    value: +big.rtf.toFixed(2),
    unit: "x real time",
    note: `20 s simulated in ${((big.wallMs - big.setupMs) / 1000).toFixed(1)} s after ${(big.setupMs / 1000).toFixed(1)} s of start-up (${big.rtfWithSetup.toFixed(2)}x with it); ${big.agentEvents} agent events; +${big.rssMiB.toFixed(0)} MiB RSS (${((big.rssMiB * 1024) / 30000).toFixed(0)} KiB/agent); goal > 1x`,
  });
  return out;
}
