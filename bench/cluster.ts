// 100,000 devices x 3 agents across simulator shards on a bridged Mosquitto cluster (colony
// cluster): real-time factor after start-up and with it, RSS per agent over the shard
// processes, messages across the brokers, start-up time; beside the same fleet's 10,000 devices
// in one process, measured in the same run. The auction rate is fleet-1000's (about one a second
// across the site): one dispatcher in 10,000. CLUSTER_DEVICES=20000 for a shorter run.
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { runCluster, withDeviceCount } from "../host/cluster/index.ts";
import type { BenchResult } from "./types.ts";

const ROOT = path.resolve(import.meta.dirname, "..");
const FLEET = path.join(ROOT, "scenarios/fleet-1000.yaml");
const SECONDS = 20;

export async function run(): Promise<BenchResult[]> {
  const devices = Number(process.env.CLUSTER_DEVICES ?? 100_000);
  const shards = Number(process.env.CLUSTER_SHARDS ?? 4);
  const brokers = 2;
  // the baseline: 10,000 devices in one process (bench/fleet/run-fleet.ts, as bench/sim.ts runs it)
  const { stdout } = await promisify(execFile)(process.execPath, ["--disable-wasm-trap-handler", "--import", "tsx/esm", path.join(ROOT, "bench/fleet/run-fleet.ts"), "10000", String(SECONDS), "1000"], { cwd: ROOT, maxBuffer: 1 << 20 });
  const one = JSON.parse(stdout.trim().split("\n").pop()!) as { rtf: number; rtfWithSetup: number; setupMs: number; rssMiB: number };
  const oneKiB = (one.rssMiB * 1024) / 30_000;

  const text = withDeviceCount(readFileSync(FLEET, "utf8"), FLEET, devices).replace("nth: 100", `nth: ${devices / 10}`);
  const s = await runCluster({ scenarioFile: FLEET, scenarioText: text, shards, brokers, durationMs: SECONDS * 1000 });
  if (!s.ok) throw new Error(`cluster run failed: ${s.failed.map((f) => `shard ${f.shard}: ${f.error}`).join("; ")}`);
  const b = s.bridge;
  const what = `${s.agents} agents (${s.devices} devices, ${shards} shards, ${brokers} brokers)`;
  return [
    {
      name: `cluster: fleet, ${what}`,
      value: s.rtf,
      unit: "x real time",
      note: `${SECONDS} s simulated in ${(s.runMs / 1000).toFixed(1)} s after ${(s.startupMs / 1000).toFixed(1)} s of start-up (${s.rtfWithStartup}x with it); ${s.agentEvents} agent events, ${s.faults} faults; one process, 10,000 devices, same run: ${one.rtf.toFixed(2)}x (${one.rtfWithSetup.toFixed(2)}x with ${(one.setupMs / 1000).toFixed(1)} s start-up); bounded by the machine's cores (${shards} shards on them)`,
    },
    {
      name: `cluster: RSS per agent, ${what}`,
      value: s.memory.perAgentKiB,
      unit: "KiB/agent",
      note: `${(s.memory.rssMiB / 1024).toFixed(2)} GiB RSS summed over the shard processes; ${s.memory.perAgentAboveBaseKiB} KiB/agent above each process's start (one process, 10,000 devices, same run: ${oneKiB.toFixed(1)} KiB/agent above its start)`,
    },
    {
      name: `cluster: messages across the brokers, ${what}`,
      value: b.received,
      unit: "messages",
      note: `${b.published} published to the brokers, ${b.received} received by other shards, ${b.lost} lost; ${b.late} late on the receiving clock (mean ${b.lateMeanMs} ms, max ${b.lateMaxMs} ms; barrier every 100 ms); ${s.messages.published} bus publishes in all`,
    },
    {
      name: `cluster: start-up, ${what}`,
      value: +(s.startupMs / 1000).toFixed(1),
      unit: "s",
      note: `brokers bridged, ${shards} processes started, the scenario read and ${s.agents} agents installed, until the clocks started`,
    },
  ];
}
