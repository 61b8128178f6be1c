// `colony cluster`: a Mosquitto cluster, K simulator shards (child processes, each a range of
// the scenario's devices on its own virtual clock, one MQTT connection to one of the brokers),
// and their summaries merged. A shard that dies is named with its error, the others are stopped
// (they would wait at the next barrier for ever) and the run is reported as failed.
import { fork, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import { parseDocument } from "yaml";
import { parseScenario, type Scenario } from "../sim/index.ts";
import { ClusterError, startMosquittoCluster } from "./brokers.ts";
import type { ParentMessage, ShardConfig, ShardMessage } from "./ipc.ts";
import { mergeShards, type ClusterSummary, type ShardFailure } from "./merge.ts";
import type { ShardSummary } from "./summary.ts";

export interface ClusterOptions {
  scenarioFile: string;
  /** the scenario's text (default: read from scenarioFile) */
  scenarioText?: string;
  /** the fleet's device count (the scenario's one fleet group), instead of the file's */
  devices?: number;
  shards: number;
  brokers: number;
  /** virtual time between barriers (default 100 ms) */
  syncMs?: number;
  durationMs?: number;
  seed?: number;
  agentsDir?: string;
  /** each shard process as it starts (tests stop one to see it reported) */
  onShard?: (shard: number, child: ChildProcess) => void;
  log?: (line: string) => void;
}

const SHARD_MAIN = path.join(import.meta.dirname, "shard-main.ts");
const STDERR_KEPT = 4000;

export async function runCluster(o: ClusterOptions): Promise<ClusterSummary> {
  const started = performance.now();
  const whole = (name: string, v: number, min: number) => {
    if (!Number.isInteger(v) || v < min) throw new ClusterError(`${name}: expected a whole number of at least ${min} (got ${v})`);
  };
  whole("shards", o.shards, 1);
  whole("brokers", o.brokers, 1);
  if (o.shards > 255) throw new ClusterError(`shards: at most 255 (got ${o.shards})`);
  if (o.brokers > o.shards) throw new ClusterError(`brokers: ${o.brokers} brokers for ${o.shards} shard(s) leaves a broker without a shard; use at most ${o.shards}`);
  const syncMs = o.syncMs ?? 100;
  if (!(syncMs >= 1)) throw new ClusterError(`sync: expected at least 1 ms (got ${syncMs})`);
  let text = o.scenarioText ?? readFileSync(o.scenarioFile, "utf8");
  if (o.devices !== undefined) text = withDeviceCount(text, o.scenarioFile, o.devices);
  const sc = parseScenario(text, o.scenarioFile, o.agentsDir ? { agentsDir: o.agentsDir } : {});
  checkShardable(sc);
  const total = sc.devices.length;
  if (o.shards > total) throw new ClusterError(`shards: ${o.shards} shards for ${total} device(s); use at most ${total}`);

  const brokers = await startMosquittoCluster(o.brokers);
  o.log?.(`cluster: ${o.brokers} Mosquitto broker(s) bridged (${brokers.urls.join(", ")}); starting ${o.shards} shard(s) of ${total} devices`);
  const run = randomBytes(4).toString("hex");
  const results: ShardSummary[] = [];
  const failed: ShardFailure[] = [];
  const children: ChildProcess[] = [];
  let clocksStarted = 0;
  try {
    const connected: Promise<void>[] = [];
    const done: Promise<void>[] = [];
    for (let i = 0; i < o.shards; i++) {
      const config: ShardConfig = {
        scenarioText: text,
        scenarioFile: o.scenarioFile,
        ...(o.agentsDir ? { agentsDir: o.agentsDir } : {}),
        shard: i,
        shards: o.shards,
        from: Math.floor((i * total) / o.shards),
        to: Math.floor(((i + 1) * total) / o.shards),
        url: brokers.urls[i % o.brokers]!,
        run,
        syncMs,
        ...(o.durationMs !== undefined ? { durationMs: o.durationMs } : {}),
        ...(o.seed !== undefined ? { seed: o.seed } : {}),
      };
      // V8's guard regions per wasm memory run out of address space near 12,000 agents a process
      const child = fork(SHARD_MAIN, [], { execArgv: ["--disable-wasm-trap-handler", "--import", import.meta.resolve("tsx/esm")], stdio: ["ignore", "ignore", "pipe", "ipc"] });
      children.push(child);
      o.onShard?.(i, child);
      let stderr = "";
      child.stderr?.on("data", (d: Buffer) => (stderr = (stderr + d.toString()).slice(-STDERR_KEPT)));
      let answered = false;
      const fail = (error: string) => {
        if (answered) return;
        answered = true;
        failed.push({ shard: i, error });
        // the others wait for this one at their next barrier: stop them
        for (const c of children) if (c !== child && c.exitCode === null && c.signalCode === null) c.kill("SIGTERM");
      };
      // a send to a shard that has just died is an error event: report it, do not throw
      child.on("error", (e) => fail(`shard process: ${e.message}`));
      connected.push(
        new Promise<void>((resolve, reject) => {
          child.on("message", (m: ShardMessage) => {
            if (m.type === "connected") resolve();
            else if (m.type === "result") {
              answered = true;
              results.push(m.summary);
            } else if (m.type === "error") fail(m.message);
          });
          child.once("exit", () => reject(new ClusterError(`shard ${i} exited before it connected`)));
        }),
      );
      done.push(
        new Promise<void>((resolve) =>
          child.once("exit", (code, signal) => {
            if (!answered) fail(failedShard(failed, i, code, signal, stderr));
            resolve();
          }),
        ),
      );
      child.send({ type: "start", config } satisfies ParentMessage);
    }
    const allConnected = await Promise.all(connected).then(
      () => true,
      () => false,
    );
    if (allConnected) for (const c of children) c.send({ type: "go" } satisfies ParentMessage);
    clocksStarted = performance.now();
    await Promise.all(done);
  } finally {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
    await brokers.stop();
  }
  const wallMs = performance.now() - started;
  // the clocks start together, once every shard has read the scenario and installed its agents
  const clocks = results.length ? Math.min(...results.map((r) => r.clockStartedAt)) - performance.timeOrigin : clocksStarted;
  return mergeShards({ scenario: sc.name, shards: o.shards, brokers: o.brokers, wallMs, startupMs: Math.max(0, clocks - started), results, failed });
}

/** Why a shard ended without a summary: its own words if it sent any, else how it exited. */
function failedShard(failed: ShardFailure[], shard: number, code: number | null, signal: NodeJS.Signals | null, stderr: string): string {
  const first = failed.find((f) => f.shard !== shard);
  if (first && signal === "SIGTERM") return `stopped: shard ${first.shard} failed`;
  const how = signal ? `killed by ${signal}` : `exited with code ${code}`;
  const tail = stderr.trim().split("\n").slice(-5).join("\n");
  return `shard process ${how}${tail ? `: ${tail}` : ""}`;
}

/** Sets the count of the scenario's one fleet group. */
export function withDeviceCount(text: string, file: string, devices: number): string {
  if (!Number.isInteger(devices) || devices < 1) throw new ClusterError(`devices: expected a whole number of at least 1 (got ${devices})`);
  const doc = parseDocument(text);
  const fleet = doc.toJS()?.fleet as unknown;
  if (!Array.isArray(fleet) || fleet.length !== 1) throw new ClusterError(`devices: ${file} needs exactly one fleet group to set its count (it has ${Array.isArray(fleet) ? fleet.length : "none"})`);
  doc.setIn(["fleet", 0, "count"], devices);
  return doc.toString();
}

/** What one run shares across all its devices cannot be split over processes. */
function checkShardable(sc: Scenario): void {
  if (sc.ota) throw new ClusterError(`${sc.file}: a scenario with an OTA rollout runs in real time over one broker (colony sim), not in shards`);
  if (sc.economy) throw new ClusterError(`${sc.file}: a scenario with an economy has one site ledger for the run (colony sim), not one per shard`);
  if (sc.line) throw new ClusterError(`${sc.file}: a scenario with a production line has one line for the run (colony sim), not one per shard`);
}
