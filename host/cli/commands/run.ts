// colony run: one agent on one simulated board, with simulated hardware for every alias it asks for.
import { existsSync, readFileSync } from "node:fs";
import type { Command } from "commander";
import { RecordingActuator, ShapedSensor, WaveformSensor, type SensorSource, type ShapedSpec } from "../../hal/index.ts";
import { BoardError, Device, LoadError, LocalBus, loadBoard, ManifestError, parseManifest, TraceLog, VirtualClock } from "../../kernel/index.ts";
import { formatMs, roundedText, shortBody } from "../../sim/index.ts";
import { CliError } from "../errors.ts";
import { duration, wholeNumber } from "../options.ts";
import { printJson, readFileOrFail, reportErrors } from "../output.ts";
import { parseSensorFlag, SENSOR_SHAPE_HELP } from "../sensor-shape.ts";

/** What feeds a sensor nobody shaped: the old default, a ±0.5 sine at 50 Hz with a little noise. */
const DEFAULT_WAVE = { rateHz: 1000, tones: [[50, 0.5]] as [number, number][], noise: 0.05 };

interface RunCliOptions {
  board: string;
  manifest?: string;
  duration: number;
  seed: number;
  sensor: ReturnType<typeof parseSensorFlag>[];
  json?: boolean;
}

export function register(program: Command): void {
  program
    .command("run")
    .description("run one agent on a simulated board (virtual clock) and print what it did")
    .argument("<module>", "the agent's .wasm (built by `colony build`)")
    .requiredOption("--board <name>", "board profile, e.g. esp32-devkitc")
    .option("--manifest <file>", "manifest (default: the .json beside the module)")
    .option("--duration <d>", "how long to run, with a unit: 500ms, 30s, 2m (default: 10s)", duration("--duration"), 10_000)
    .option("--seed <n>", "seed for simulated sensors and randomness (a whole number)", wholeNumber("--seed", 0, 0xffffffff), 1)
    .option("--sensor <alias=shape>", `shape a sensor the agent reads (repeatable): ${SENSOR_SHAPE_HELP}; e.g. temp0=ramp:20..90@10s`, (v: string, prev: ReturnType<typeof parseSensorFlag>[]) => [...prev, parseSensorFlag(v)], [])
    .option("--json", "print the trace and metrics as JSON")
    .action(async (module: string, o: RunCliOptions) => {
      const wasm = readFileOrFail(module, "module");
      const manifestFile = o.manifest ?? module.replace(/\.wasm$/, ".json");
      if (!existsSync(manifestFile)) throw new CliError(`${manifestFile}: no manifest (pass --manifest)`);
      const manifest = await reportErrors(() => parseManifest(readFileSync(manifestFile, "utf8"), manifestFile), [ManifestError]);
      const board = await reportErrors(() => loadBoard(o.board), [BoardError]);
      const duration = o.duration;
      const clock = new VirtualClock();
      const bus = new LocalBus(clock);
      const log = new TraceLog();
      const aliases = (group: string) => manifest.capabilities.filter((c) => c.startsWith(group + ":")).map((c) => c.split(":")[1]!);
      const shaped = new Map<string, ShapedSpec>();
      for (const { alias, spec } of o.sensor) {
        if (!aliases("sensor").includes(alias))
          throw new CliError(`--sensor ${alias}: ${manifest.name} reads no sensor "${alias}" (its manifest grants ${aliases("sensor").map((a) => `"${a}"`).join(", ") || "no sensor"})`);
        shaped.set(alias, spec);
      }
      const sensor = (a: string): SensorSource => {
        const spec = shaped.get(a);
        return spec ? new ShapedSensor(a, spec, o.seed) : new WaveformSensor(a, DEFAULT_WAVE, o.seed);
      };
      const device = new Device({
        id: "device-1",
        site: "local",
        board,
        clock,
        bus,
        engine: (await import("../../engines/index.ts")).engineByName("v8"),
        seed: o.seed,
        sensors: aliases("sensor").map(sensor),
        actuators: aliases("actuator").map((a) => new RecordingActuator(a)),
        trace: log.sink,
        traceBodies: ["#"],
      });
      let agent;
      try {
        agent = device.install(wasm, manifest);
      } catch (e) {
        // name the file that is wrong, and the agent its manifest says it is
        if (e instanceof LoadError) throw new CliError(`${module}: ${e.message}`);
        throw e;
      }
      clock.runUntil(duration);
      const status = agent.status;
      device.stop();
      if (o.json) return printJson({ agent: manifest.name, board: board.name, simulatedMs: duration, status, metrics: agent.metrics, trace: log.events });
      const out = (s: string) => process.stdout.write(s + "\n");
      for (const a of aliases("sensor").filter((x) => !shaped.has(x))) out(`note: sensor ${a} is fed a ±0.5 sine at 50 Hz; shape it with --sensor ${a}=<shape> (${SENSOR_SHAPE_HELP})`);
      for (const e of log.events) out(`${formatMs(e.t).padStart(11)}  ${e.type.padEnd(10)} ${roundedText(e.text)}${e.type === "publish" && e.data && "body" in e.data ? `  ${shortBody(e.data.body)}` : ""}`);
      const m = agent.metrics;
      out("");
      out(`${manifest.name} on ${board.name}: ${status}, ${m.events} events in ${formatMs(duration)}, fuel ${m.fuelUsed} (max ${m.fuelMaxPerEvent}/event of ${agent.loaded.fuelPerEvent}), memory ${m.memoryBytes / 1024} KiB, ${m.published} published, ${m.faults} fault(s)`);
      if (status === "quarantined") process.exitCode = 3;
    });
}
