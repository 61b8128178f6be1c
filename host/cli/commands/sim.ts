// colony sim: run a scenario file on the virtual clock; print a timeline and a summary.
import type { Command } from "commander";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { LoadSweepError, loadSweepLines, parseLoads, schedReport, sweepScenario } from "../../sched/index.ts";
import { LoadError } from "../../kernel/index.ts";
import { detailed, formatMs, loadScenario, runScenario, ScenarioError, selectTrace, summaryJson, summaryLines, timelineLines, type SimResult } from "../../sim/index.ts";
import { CliError } from "../errors.ts";
import { duration, wholeNumber } from "../options.ts";
import { printJson, reportErrors } from "../output.ts";
import { progressBar } from "../progress.ts";
import { checkReportDir, writeReport } from "../report-dir.ts";
import { onInterrupt } from "../interrupt.ts";

interface SimCliOptions {
  seed?: number;
  duration?: number;
  report?: string;
  json?: boolean;
  quiet?: boolean;
  detail?: boolean;
  timelineLimit: number;
  network: string;
  realtime?: boolean;
  broker?: string;
  load?: string;
}

export function register(program: Command): void {
  program
    .command("sim")
    .description("run a scenario (YAML) in the simulator on a virtual clock")
    .argument("<scenario>", "scenario file, e.g. scenarios/pump-room-mini.yaml")
    .option("--seed <n>", "override the scenario's seed (a whole number)", wholeNumber("--seed", 0, 0xffffffff))
    .option("--duration <d>", "override how long to run, with a unit: 500ms, 30s, 2m, 1h", duration("--duration"))
    .option("--report <dir>", "write report.html, summary.json and trace.json into this directory")
    .option("--network <kind>", "local (in-process bus, virtual clock), sealed (signed envelopes on the in-process transport, virtual clock) or mqtt (real time, through a broker)", "local")
    .option("--realtime", "run in real time through an MQTT broker (same as --network mqtt)")
    .option("--broker <url>", "with --realtime: an external broker, e.g. mqtt://127.0.0.1:1883 (default: the embedded broker)")
    .option("--json", "print the summary as JSON instead of text")
    .option("--quiet", "print only the summary")
    .option("--detail", "every agent and device in the summary and report, and every event in trace.json (big fleets are grouped otherwise)")
    .option("--load <factors>", "also sweep the scenario's inference load, e.g. 1x,2x,4x: deadline misses and energy of the scheduler vs FIFO vs local-only (sched.html in --report)")
    .option("--timeline-limit <n>", "most timeline lines to print", wholeNumber("--timeline-limit"), 200)
    .action(async (file: string, o: SimCliOptions) => {
      if (o.network !== "local" && o.network !== "sealed" && o.network !== "mqtt") throw new CliError(`--network: expected local, sealed or mqtt (got "${o.network}")`);
      const sc = await reportErrors(() => loadScenario(file), [ScenarioError]);
      // a scenario with an OTA rollout runs in real time over the broker, as rollouts do
      const network = o.realtime || o.broker || sc.ota ? "mqtt" : o.network;
      if (o.report) checkReportDir(o.report);
      const loads = o.load !== undefined ? await reportErrors(async () => parseLoads(o.load!), [LoadSweepError]) : undefined;
      // the sweep runs on its own virtual clock, before the scenario, so a bad --load fails at once
      const sweep = loads ? await reportErrors(async () => sweepScenario(sc.devices, sc.models, loads, o.duration ?? sc.durationMs, o.seed ?? sc.seed), [LoadSweepError]) : undefined;
      const totalMs = o.duration ?? sc.durationMs;
      // Ctrl-C: the first stops the run at the next turn of the event loop and still
      // writes the report; a second one ends the process at once.
      let interrupted = false;
      const release = onInterrupt(() => {
        interrupted = true;
      });
      if (!o.json) process.stderr.write(`colony: running ${sc.name} for ${formatMs(totalMs)} (${network === "mqtt" ? `real time${o.broker ? "" : " on the embedded broker"}${sc.ota ? ", with an OTA rollout" : ""}` : "virtual clock"}; Ctrl-C stops it and still writes the report)\n`);
      const bar = !o.json && process.stderr.isTTY ? progressBar("simulated") : undefined;
      let result: SimResult;
      try {
        result = await reportErrors(
          async () =>
            await runScenario(sc, {
              ...(o.seed !== undefined ? { seed: o.seed } : {}),
              ...(o.duration !== undefined ? { durationMs: o.duration } : {}),
              ...(bar ? { onProgress: bar.update } : {}),
              shouldStop: () => interrupted,
              network,
              detail: o.detail === true,
              ...(o.report ? { auditFile: path.join(o.report, "audit.jsonl") } : {}),
              ...(o.report && sc.economy ? { ledgerFile: path.join(o.report, "ledger.journal") } : {}),
              ...(o.broker ? { brokerUrl: o.broker } : {}),
            }),
          [LoadError],
        );
      } finally {
        bar?.done();
        release();
      }
      const written = o.report ? writeReport(o.report, sc, result, o.detail === true) : undefined;
      if (sweep && o.report) writeFileSync(path.join(o.report, "sched.html"), schedReport(sc.name, sweep));
      if (o.json) {
        // the summary, and the events with their decoded bodies, bounded as trace.json is
        const { events, counts } = selectTrace(result.trace, { all: detailed(result, o.detail === true), quiet: sc.quiet });
        printJson({ ...summaryJson(result, o.detail), trace: events, traceKept: counts, ...(sweep ? { loadSweep: sweep.results.map(({ trace: _t, ...r }) => r) } : {}) });
      }
      else {
        const out = (s: string) => process.stdout.write(s + "\n");
        if (!o.quiet) {
          out(`timeline of ${sc.name}${sc.description ? `: ${sc.description}` : ""}`);
          for (const l of timelineLines(result, sc.quiet, o.timelineLimit)) out(l);
          out("");
        }
        for (const l of summaryLines(result, o.detail)) out(l);
        if (sweep) for (const l of ["", ...loadSweepLines(sweep)]) out(l);
        if (written) out(`\nreport written to ${o.report}/report.html (with summary.json and trace.json: ${written})`);
        if (interrupted) out(`\nstopped early by Ctrl-C at ${formatMs(result.simulatedMs)} of ${formatMs(totalMs)}`);
      }
      if (interrupted) process.exitCode = 130;
      else if (result.expectations.some((e) => !e.ok)) process.exitCode = 3;
    });
}
