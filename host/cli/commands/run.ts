// colony run: one agent on one simulated board, with simulated hardware for every alias it asks for.
import { existsSync, readFileSync } from "node:fs";
import type { Command } from "commander";
import { RecordingActuator, WaveformSensor } from "../../hal/index.ts";
import { BoardError, Device, LoadError, LocalBus, loadBoard, ManifestError, parseManifest, TraceLog, VirtualClock } from "../../kernel/index.ts";
import { formatMs, parseDuration } from "../../sim/index.ts";
import { CliError } from "../errors.ts";
import { printJson, readFileOrFail, reportErrors } from "../output.ts";

export function register(program: Command): void {
  program
    .command("run")
    .description("run one agent on a simulated board (virtual clock) and print what it did")
    .argument("<module>", "the agent's .wasm (built by `colony build`)")
    .requiredOption("--board <name>", "board profile, e.g. esp32-devkitc")
    .option("--manifest <file>", "manifest (default: the .json beside the module)")
    .option("--duration <d>", "how long to run", "10s")
    .option("--seed <n>", "seed for simulated sensors and randomness", (v) => Number.parseInt(v, 10), 1)
    .option("--json", "print the trace and metrics as JSON")
    .action(async (module: string, o: { board: string; manifest?: string; duration: string; seed: number; json?: boolean }) => {
      const wasm = readFileOrFail(module, "module");
      const manifestFile = o.manifest ?? module.replace(/\.wasm$/, ".json");
      if (!existsSync(manifestFile)) throw new CliError(`${manifestFile}: no manifest (pass --manifest)`);
      const manifest = await reportErrors(() => parseManifest(readFileSync(manifestFile, "utf8"), manifestFile), [ManifestError]);
      const board = await reportErrors(() => loadBoard(o.board), [BoardError]);
      let duration: number;
      try {
        duration = parseDuration(o.duration, "--duration");
      } catch (e) {
        throw new CliError((e as Error).message);
      }
      const clock = new VirtualClock();
      const bus = new LocalBus(clock);
      const log = new TraceLog();
      const aliases = (group: string) => manifest.capabilities.filter((c) => c.startsWith(group + ":")).map((c) => c.split(":")[1]!);
      const device = new Device({
        id: "device-1",
        site: "local",
        board,
        clock,
        bus,
        engine: (await import("../../engines/index.ts")).engineByName("v8"),
        seed: o.seed,
        sensors: aliases("sensor").map((a) => new WaveformSensor(a, { rateHz: 1000, tones: [[50, 0.5]], noise: 0.05 }, o.seed)),
        actuators: aliases("actuator").map((a) => new RecordingActuator(a)),
        trace: log.sink,
      });
      const agent = await reportErrors(() => device.install(wasm, manifest), [LoadError]);
      clock.runUntil(duration);
      const status = agent.status;
      device.stop();
      if (o.json) return printJson({ agent: manifest.name, board: board.name, simulatedMs: duration, status, metrics: agent.metrics, trace: log.events });
      const out = (s: string) => process.stdout.write(s + "\n");
      for (const e of log.events) out(`${formatMs(e.t).padStart(11)}  ${e.type.padEnd(10)} ${e.text}`);
      const m = agent.metrics;
      out("");
      out(`${manifest.name} on ${board.name}: ${status}, ${m.events} events in ${formatMs(duration)}, fuel ${m.fuelUsed} (max ${m.fuelMaxPerEvent}/event of ${agent.loaded.fuelPerEvent}), memory ${m.memoryBytes / 1024} KiB, ${m.published} published, ${m.faults} fault(s)`);
      if (status === "quarantined") process.exitCode = 3;
    });
}
