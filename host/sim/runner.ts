// Runs a scenario on the virtual clock: builds the devices, installs the agents,
// advances time, and returns what happened. Same scenario + seed = same result.
import { V8Engine, type Engine } from "../engines/index.ts";
import { RecordingActuator, WaveformSensor } from "../hal/index.ts";
import { Device, LoadError, LocalBus, topicMatches, TraceLog, VirtualClock, type AgentMetrics, type AgentStatus, type TraceEvent } from "../kernel/index.ts";
import type { Scenario } from "./scenario.ts";

export interface AgentResult {
  device: string;
  agent: string;
  version: string;
  status: AgentStatus;
  wasmBytes: number;
  metrics: AgentMetrics;
  lastFault?: string;
}

export interface ExpectationResult {
  text: string;
  ok: boolean;
  detail: string;
}

export interface SimResult {
  scenario: string;
  seed: number;
  simulatedMs: number;
  stoppedEarly: boolean;
  wallMs: number;
  eventsRun: number;
  messages: { published: number; delivered: number };
  agents: AgentResult[];
  actuators: { device: string; alias: string; commands: number; firstAtMs?: number }[];
  expectations: ExpectationResult[];
  trace: TraceEvent[];
}

export interface RunOptions {
  seed?: number;
  durationMs?: number;
  engine?: Engine;
  /** called every `progressEveryMs` of simulated time */
  onProgress?: (simMs: number, totalMs: number) => void;
  progressEveryMs?: number;
  /** checked between slices; true stops the run early (its result is still returned) */
  shouldStop?: () => boolean;
}

export function runScenario(sc: Scenario, opts: RunOptions = {}): SimResult {
  const seed = opts.seed ?? sc.seed;
  const duration = opts.durationMs ?? sc.durationMs;
  const clock = new VirtualClock();
  const bus = new LocalBus(clock, sc.network.latencyMs);
  const log = new TraceLog();
  const engine = opts.engine ?? new V8Engine();
  const started = performance.now();
  const devices: Device[] = [];
  const actuators: { device: string; sink: RecordingActuator }[] = [];

  for (const d of sc.devices) {
    const sinks = d.actuators.map((a) => new RecordingActuator(a));
    for (const sink of sinks) actuators.push({ device: d.id, sink });
    const device = new Device({
      id: d.id,
      site: sc.site,
      board: d.board,
      clock,
      bus,
      engine,
      seed,
      sensors: [...d.sensors].map(([alias, spec]) => new WaveformSensor(alias, spec, seed)),
      actuators: sinks,
      trace: log.sink,
    });
    devices.push(device);
    for (const a of d.agents) {
      try {
        device.install(a.wasm, a.manifest);
      } catch (e) {
        if (e instanceof LoadError) throw new LoadError(a.name, `on device ${d.id}: ${e.message.slice(a.name.length + 2)}`);
        throw e;
      }
    }
  }

  const slice = opts.progressEveryMs ?? Math.max(100, duration / 100);
  let stoppedEarly = false;
  for (let t = 0; t < duration; ) {
    if (opts.shouldStop?.()) {
      stoppedEarly = true;
      break;
    }
    t = Math.min(duration, t + slice);
    clock.runUntil(t);
    opts.onProgress?.(t, duration);
  }

  const agents: AgentResult[] = [];
  for (const d of devices)
    for (const a of d.agents.values())
      agents.push({
        device: d.id,
        agent: a.agent,
        version: a.manifest.version,
        status: a.status,
        wasmBytes: a.loaded.wasmBytes,
        metrics: { ...a.metrics },
        ...(a.lastFault ? { lastFault: `${a.lastFault.kind}: ${a.lastFault.message}` } : {}),
      });
  for (const d of devices) d.stop();
  const acts = actuators.map(({ device, sink }) => ({
    device,
    alias: sink.alias,
    commands: sink.commands.length,
    ...(sink.commands[0] ? { firstAtMs: sink.commands[0].atMs } : {}),
  }));
  const result: SimResult = {
    scenario: sc.name,
    seed,
    simulatedMs: clock.now(),
    stoppedEarly,
    wallMs: performance.now() - started,
    eventsRun: clock.eventsRun,
    messages: { published: bus.published, delivered: bus.delivered },
    agents,
    actuators: acts,
    expectations: [],
    trace: log.events,
  };
  result.expectations = sc.expect.map((e) => checkExpectation(e, result));
  return result;
}

function checkExpectation(e: Scenario["expect"][number], r: SimResult): ExpectationResult {
  const before = e.beforeMs ?? Infinity;
  const min = e.min ?? 1;
  const by = e.beforeMs !== undefined ? ` before ${e.beforeMs} ms` : "";
  if (e.actuator) {
    const [device, alias] = e.actuator.split("/");
    const cmds = r.trace.filter((t) => t.type === "actuator" && t.device === device && t.data?.actuator === alias && t.t < before);
    return { text: `actuator ${e.actuator} commanded${by}`, ok: cmds.length >= min, detail: cmds.length ? `${cmds.length} command(s), first at ${cmds[0]!.t} ms` : "no command" };
  }
  if (e.topic) {
    const pubs = r.trace.filter((t) => t.type === "publish" && typeof t.data?.topic === "string" && topicMatches(e.topic!, t.data.topic) && t.t < before);
    return { text: `${e.topic} published at least ${min} time(s)${by}`, ok: pubs.length >= min, detail: pubs.length ? `${pubs.length}, first at ${pubs[0]!.t} ms` : "never" };
  }
  const faults = r.agents.reduce((n, a) => n + a.metrics.faults, 0);
  return { text: "no agent faulted", ok: faults === 0, detail: `${faults} fault(s)` };
}
