// colony cluster: a fleet scenario split over several simulator processes on a bridged Mosquitto
// cluster (host/cluster); prints the merged fleet summary.
import type { Command } from "commander";
import { ClusterError, clusterLines, runCluster } from "../../cluster/index.ts";
import { ScenarioError } from "../../sim/index.ts";
import { CliError } from "../errors.ts";
import { duration, wholeNumber } from "../options.ts";
import { printJson, readFileOrFail, reportErrors } from "../output.ts";

interface ClusterCliOptions {
  devices?: number;
  shards: number;
  brokers: number;
  sync?: number;
  duration?: number;
  seed?: number;
  json?: boolean;
}

export function register(program: Command): void {
  program
    .command("cluster")
    .description("run a fleet scenario in several simulator processes (shards) on a cluster of bridged Mosquitto brokers; print the merged summary")
    .argument("<scenario>", "scenario file with a fleet, e.g. scenarios/fleet-1000.yaml")
    .option("--devices <n>", "the fleet's device count instead of the file's (a scenario with one fleet group)", wholeNumber("--devices", 1))
    .option("--shards <n>", "simulator processes, each with a range of the devices and one MQTT connection", wholeNumber("--shards", 1, 255), 2)
    .option("--brokers <n>", "Mosquitto brokers on loopback, bridged to the first (shard i uses broker i mod n)", wholeNumber("--brokers", 1), 2)
    .option("--sync <d>", "virtual time between the shards' barriers: a message from another shard is at most this late (default: 100ms)", duration("--sync"))
    .option("--duration <d>", "override how long to run, with a unit: 500ms, 30s, 2m", duration("--duration"))
    .option("--seed <n>", "override the scenario's seed (a whole number)", wholeNumber("--seed", 0, 0xffffffff))
    .option("--json", "print the merged summary as JSON")
    .action(async (file: string, o: ClusterCliOptions) => {
      const text = Buffer.from(readFileOrFail(file, "scenario")).toString("utf8");
      if (o.brokers > o.shards) throw new CliError(`--brokers ${o.brokers}: more brokers than --shards ${o.shards} leaves a broker without a shard`);
      if (!o.json) process.stderr.write(`colony: running ${file} in ${o.shards} shard(s) on ${o.brokers} broker(s)\n`);
      const s = await reportErrors(
        () =>
          runCluster({
            scenarioFile: file,
            scenarioText: text,
            shards: o.shards,
            brokers: o.brokers,
            ...(o.sync !== undefined ? { syncMs: o.sync } : {}),
            ...(o.devices !== undefined ? { devices: o.devices } : {}),
            ...(o.duration !== undefined ? { durationMs: o.duration } : {}),
            ...(o.seed !== undefined ? { seed: o.seed } : {}),
            ...(o.json ? {} : { log: (l: string) => process.stderr.write(`colony: ${l}\n`) }),
          }),
        [ClusterError, ScenarioError],
      );
      if (o.json) printJson(s);
      else for (const l of clusterLines(s)) process.stdout.write(l + "\n");
      if (!s.ok) process.exitCode = 4;
    });
}
