// colony sim: run a scenario file on the virtual clock; print a timeline and a summary.
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { Command } from "commander";
import { LoadError } from "../../kernel/index.ts";
import { htmlReport } from "../../sim/html.ts";
import { loadScenario, parseDuration, runScenario, ScenarioError, summaryJson, summaryLines, timelineLines, type SimResult } from "../../sim/index.ts";
import { CliError } from "../errors.ts";
import { printJson, reportErrors } from "../output.ts";
import { progressBar } from "../progress.ts";

export function register(program: Command): void {
  program
    .command("sim")
    .description("run a scenario (YAML) in the simulator on a virtual clock")
    .argument("<scenario>", "scenario file, e.g. scenarios/pump-room-mini.yaml")
    .option("--seed <n>", "override the scenario's seed", (v) => Number.parseInt(v, 10))
    .option("--duration <d>", "override how long to run (e.g. 30s)")
    .option("--report <dir>", "write report.html, summary.json and trace.json into this directory")
    .option("--network <kind>", "local (in-process bus, virtual clock), sealed (signed envelopes on the in-process transport, virtual clock) or mqtt (real time, through a broker)", "local")
    .option("--realtime", "run in real time through an MQTT broker (same as --network mqtt)")
    .option("--broker <url>", "with --realtime: an external broker, e.g. mqtt://127.0.0.1:1883 (default: the embedded broker)")
    .option("--json", "print the summary as JSON instead of text")
    .option("--quiet", "print only the summary")
    .option("--timeline-limit <n>", "most timeline lines to print", (v) => Number.parseInt(v, 10), 200)
    .action(async (file: string, o: { seed?: number; duration?: string; report?: string; json?: boolean; quiet?: boolean; timelineLimit: number; network: string; realtime?: boolean; broker?: string }) => {
      const network = o.realtime || o.broker ? "mqtt" : o.network;
      if (network !== "local" && network !== "sealed" && network !== "mqtt") throw new CliError(`--network: expected local, sealed or mqtt (got "${o.network}")`);
      const sc = await reportErrors(() => loadScenario(file), [ScenarioError]);
      let durationMs: number | undefined;
      if (o.duration !== undefined) {
        try {
          durationMs = parseDuration(o.duration, "--duration");
        } catch (e) {
          throw new CliError((e as Error).message);
        }
      }
      let stop = false;
      const onSigint = () => {
        stop = true;
      };
      process.once("SIGINT", onSigint);
      const bar = !o.json && process.stderr.isTTY ? progressBar("simulated") : undefined;
      let result: SimResult;
      try {
        result = await reportErrors(
          async () =>
            await runScenario(sc, {
              ...(o.seed !== undefined ? { seed: o.seed } : {}),
              ...(durationMs !== undefined ? { durationMs } : {}),
              ...(bar ? { onProgress: bar.update } : {}),
              shouldStop: () => stop,
              network,
              ...(o.broker ? { brokerUrl: o.broker } : {}),
            }),
          [LoadError],
        );
      } finally {
        bar?.done();
        process.off("SIGINT", onSigint);
      }
      if (o.report) {
        mkdirSync(o.report, { recursive: true });
        writeFileSync(path.join(o.report, "summary.json"), JSON.stringify(summaryJson(result), null, 2) + "\n");
        writeFileSync(path.join(o.report, "trace.json"), JSON.stringify(result.trace) + "\n");
        writeFileSync(path.join(o.report, "report.html"), htmlReport(sc, result));
      }
      if (o.json) printJson(summaryJson(result));
      else {
        const out = (s: string) => process.stdout.write(s + "\n");
        if (!o.quiet) {
          out(`timeline of ${sc.name}${sc.description ? `: ${sc.description}` : ""}`);
          for (const l of timelineLines(result, sc.quiet, o.timelineLimit)) out(l);
          out("");
        }
        for (const l of summaryLines(result)) out(l);
        if (o.report) out(`\nreport written to ${o.report}/report.html (with summary.json and trace.json)`);
      }
      if (result.expectations.some((e) => !e.ok)) process.exitCode = 3;
    });
}
