// Runs a scenario on the virtual clock: builds the devices, installs the agents,
// advances time, and returns what happened. Same scenario + seed = same result.
import { V8Engine, type Engine } from "../engines/index.ts";
import {
  Asset,
  BatterySensor,
  GridMap,
  LineCamera,
  ProductionLine,
  StationActuator,
  MobileBase,
  MotionActuator,
  PositionSensor,
  ProbeSensor,
  RecordingActuator,
  SpectrumSensor,
  WaveformSensor,
  type ActuatorSink,
  type Point,
  type SensorSource,
} from "../hal/index.ts";
import { Device, LoadError, Priority, RealClock, topicMatches, TraceLog, VirtualClock, type AgentMetrics, type AgentStatus, type Clock, type TraceEvent, type TraceSink } from "../kernel/index.ts";
import { createNetwork, latencyStats, type NetworkKind } from "./network.ts";
import { lineMetrics, type LineMetrics } from "./line-metrics.ts";
import { Battery, type EnergyBreakdown } from "./energy.ts";
import { DeviceModels, ModelHub } from "./models.ts";
import { DeviceScheduler, SiteScheduler } from "../sched/invoke.ts";
import { runYielding } from "./yielding.ts";
import { startFleetOta, type OtaParticipant, type OtaResult } from "./ota/index.ts";
import { AuditLog, auditFromTrace, PolicyGate, UpdateGate } from "../governance/index.ts";
import { siteAuditKey } from "./audit-key.ts";
import { ModelError } from "../tinyml/index.ts";
import type { DeviceSpec, Scenario } from "./scenario.ts";
import { SimEconomy, type EconomyResult } from "./economy.ts";
import type { BusLink } from "./bus-link.ts";

export interface AgentResult {
  device: string;
  agent: string;
  version: string;
  status: AgentStatus;
  wasmBytes: number;
  metrics: AgentMetrics;
  lastFault?: string;
}

export interface DeviceResult {
  id: string;
  board: string;
  position: Point;
  travelledM: number;
  energy: EnergyBreakdown;
  bytesOut: number;
  bytesIn: number;
  inferences: number;
  macs: number;
  /** [time ms, battery level, x, y] samples every `sampleMs` */
  samples: [number, number, number, number][];
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
  /** of wallMs, the start-up before the clock ran (devices built, agents installed) */
  setupMs: number;
  eventsRun: number;
  network: NetworkKind;
  messages: { published: number; delivered: number; refused: Record<string, number>; latencyMs: { p50: number; p99: number; max: number; count: number } };
  agents: AgentResult[];
  actuators: { device: string; alias: string; commands: number; firstAtMs?: number }[];
  devices: DeviceResult[];
  expectations: ExpectationResult[];
  /** production-line figures, when the scenario has a line */
  line?: LineMetrics;
  /** the scenario's over-the-air rollout, when it has one */
  ota?: OtaResult;
  /** the site policy's checks and refusals, when the scenario has one */
  policy?: { file: string; checks: number; refused: Record<string, number> };
  /** the audit log written, when asked for */
  audit?: { file: string; records: number; byKind: Record<string, number>; publicKey: string };
  /** wallets, contracts and billing, when the scenario has an economy */
  economy?: EconomyResult;
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
  /** how devices talk (default "local"); "mqtt" runs in real time */
  network?: NetworkKind;
  brokerUrl?: string;
  /** keep the decoded body of every publish, the scenario's quiet topics too */
  detail?: boolean;
  /** write the site's audit log (hash-chained, signed) here */
  auditFile?: string;
  /** write the site ledger's journal here (and its public keys beside it, for colony ledger) */
  ledgerFile?: string;
  /** a shard of a cluster: the bus joined to the other shards', the clock synchronised with theirs every slice */
  link?: BusLink;
  /** called with the devices at the end, before they stop (tests look into agents' memory) */
  onFinish?: (devices: readonly Device[]) => void;
}

/** Topics whose bodies always go into the trace, for the report's task and line figures. */
const REPORTED_TOPICS = ["cnet/#", "event/#", "rep/#", "line/#", "qc/#", "mes/#"];

interface Built {
  device: Device;
  spec: DeviceSpec;
  base?: MobileBase;
  battery: Battery;
  models?: DeviceModels;
  recorders: { alias: string; sink: RecordingActuator | MotionActuator | StationActuator }[];
  samples: [number, number, number, number][];
}

export async function runScenario(sc: Scenario, opts: RunOptions = {}): Promise<SimResult> {
  const seed = opts.seed ?? sc.seed;
  const duration = opts.durationMs ?? sc.durationMs;
  // a rollout runs over MQTT, with real timers, as it does against devices
  const kind = sc.ota ? "mqtt" : (opts.network ?? "local");
  const realtime = kind === "mqtt";
  const virtual = realtime ? undefined : new VirtualClock();
  const real = realtime ? new RealClock() : undefined;
  const clock: Clock = virtual ?? real!;
  const net = await createNetwork({
    kind,
    clock,
    latencyMs: sc.network.latencyMs,
    site: sc.site,
    seed,
    deviceIds: sc.devices.map((d) => d.id),
    ...(opts.brokerUrl ? { brokerUrl: opts.brokerUrl } : {}),
    ...(opts.link ? { link: opts.link } : {}),
  });
  const log = new TraceLog();
  const gate = sc.policy ? new PolicyGate(sc.policy) : undefined;
  const updates = sc.policy ? new UpdateGate(sc.policy) : undefined;
  const audit = opts.auditFile ? new AuditLog(opts.auditFile, siteAuditKey(sc.site, seed)) : undefined;
  // every audit record as the trace has it, signed as it happens
  const economy = sc.economy ? new SimEconomy(sc.economy, sc.site, seed, () => clock.now(), opts.ledgerFile, clock) : undefined;
  const logged: TraceSink = economy
    ? (e) => {
        log.sink(e);
        economy.noteTrace(e);
      }
    : log.sink;
  const traceSink: TraceSink = audit
    ? (e) => {
        logged(e);
        const rec = auditFromTrace(e);
        if (rec) audit.append(rec);
      }
    : logged;
  if (audit) {
    if (sc.policy) audit.append({ kind: "policy", t: 0, text: `site policy ${sc.policy.file}: egress ${[...sc.policy.egress].join(", ")}; ${sc.policy.rateLimits.length} rate limit(s); ${sc.policy.actuators.size} actuator rule(s); local only: ${sc.policy.localOnly.join(", ") || "none"}; ${sc.policy.updates.length} update rule(s); ${sc.policy.tasks.size} task rule(s)` });
  }
  const engine = opts.engine ?? new V8Engine();
  const started = performance.now();
  const map = sc.map ? new GridMap(sc.map) : undefined;
  const assets = sc.assets.map((a) => new Asset(a, seed));
  const line = sc.line ? new ProductionLine(sc.line, seed) : undefined;
  const hub = sc.models.size > 0 ? new ModelHub(sc.models) : undefined;
  // with models, every device's binding places its calls through host/sched and can run a peer's
  const site = hub ? new SiteScheduler() : undefined;
  const bindings = new Map<string, DeviceModels>();
  const built: Built[] = [];
  // bodies of quiet topics are chatter (heartbeats, state vectors): left out unless asked for, but for the reported ones
  const bodiesLeftOut = opts.detail ? [] : sc.quiet.filter((q) => !REPORTED_TOPICS.some((r) => topicMatches(r, q) || topicMatches(q, r)));

  for (const d of sc.devices) {
    const base = d.mobility
      ? new MobileBase({ start: d.position, speed: d.mobility.speed, energyPerMetre: d.mobility.energyPerMetre, flies: d.mobility.flies, ...(map ? { map } : {}) }, () => clock.now(), (at, fn) => {
          const h = clock.at(at, fn, Priority.SENSOR);
          return () => clock.cancel(h);
        })
      : undefined;
    const where = (t: number): Point => base?.position(t) ?? d.position;
    let battery: Battery | undefined;
    const sensors: SensorSource[] = [];
    const recorders: Built["recorders"] = [];
    const actuators: ActuatorSink[] = [];
    const stations = new Map<string, StationActuator>();
    for (const [alias, kind] of d.actuators) {
      const sink = kind === "motion" ? new MotionActuator(alias, base!) : kind === "station" ? new StationActuator(alias) : new RecordingActuator(alias);
      if (sink instanceof StationActuator) stations.set(alias, sink);
      recorders.push({ alias, sink });
      actuators.push(sink);
    }
    for (const [alias, spec] of d.sensors) {
      if (spec.kind === "waveform") sensors.push(new WaveformSensor(alias, spec.wave, seed));
      else if (spec.kind === "position") sensors.push(new PositionSensor(alias, base!));
      else if (spec.kind === "battery") sensors.push(new BatterySensor(alias, (t) => battery?.level(t) ?? d.battery.level));
      else if (spec.kind === "spectrum") sensors.push(new SpectrumSensor(alias, assets, where, spec.range));
      else if (spec.kind === "camera") sensors.push(new LineCamera(alias, line!, spec.station !== undefined ? stations.get(spec.station) : undefined));
      else sensors.push(new ProbeSensor(alias, assets, where, spec.range));
    }
    const trace = traceSink;
    for (const a of d.agents)
      for (const m of a.manifest.models)
        try {
          hub?.checkFits(m, d.board);
        } catch (e) {
          if (e instanceof ModelError) throw new LoadError(a.name, `on device ${d.id}: model ${m}: ${e.message}`);
          throw e;
        }
    let device: Device | undefined;
    const service = hub ? await hub.serviceFor(d.board) : undefined;
    const own = [...new Set(d.agents.flatMap((a) => a.manifest.models))].map((name) => ({ name, model: service!.model(name) }));
    const models = service && site
      ? new DeviceModels(service, (e) => device!.trace(e), {
          scheduler: new DeviceScheduler({ id: d.id, board: d.board, site, own, battery: () => battery?.level(clock.now()) ?? d.battery.level, deadlineMs: (m) => sc.modelDeadlines.get(m) }),
          nowMs: () => clock.now(),
          peer: (id) => bindings.get(id),
        })
      : undefined;
    if (models) bindings.set(d.id, models);
    const bus = await net.portFor(d.id);
    const wallet = economy?.walletFor(d.id, (e) => device!.trace(e));
    device = new Device({ id: d.id, site: sc.site, board: d.board, clock, bus, engine, seed, sensors, actuators, trace, traceBodies: ["#"], traceBodiesExcept: bodiesLeftOut, ...(models ? { models } : {}), ...(gate ? { gate } : {}), ...(wallet ? { wallet } : {}) });
    battery = new Battery(d.battery, d.board, device, base, () => models?.energyUj ?? 0);
    if (base) base.onArrive = (_t, at) => device.trace({ type: "actuator", text: `arrived at (${at[0].toFixed(1)}, ${at[1].toFixed(1)})`, data: { arrived: at } });
    built.push({ device, spec: d, ...(base ? { base } : {}), battery, ...(models ? { models } : {}), recorders, samples: [] });
  }
  const otaParticipants: OtaParticipant[] = [];
  for (const b of built)
    for (const a of b.spec.agents) {
      if (sc.ota && a.name === sc.ota.agent) {
        // installed through its flash slots, so the rollout knows what runs
        otaParticipants.push({ id: b.spec.id, board: b.spec.board.name, device: b.device, wasm: a.wasm, manifest: a.manifest, preset: a.state });
        continue;
      }
      try {
        b.device.install(a.wasm, a.manifest, economy ? economy.agentState(a.manifest, b.spec.board, a.state) : a.state);
      } catch (e) {
        if (e instanceof LoadError) throw new LoadError(a.name, `on device ${b.spec.id}: ${e.message.slice(a.name.length + 2)}`);
        // V8 reserves a large guard region per wasm memory for its trap handler: the address space runs out near 12,000 agents
        if (e instanceof RangeError && /Cannot allocate Wasm memory/.test(e.message))
          throw new LoadError(a.name, `on device ${b.spec.id}: V8 ran out of address space for wasm memories after ${b.device.agents.size + built.slice(0, built.indexOf(b)).reduce((n, x) => n + x.device.agents.size, 0)} agents; for bigger fleets run with NODE_OPTIONS=--disable-wasm-trap-handler (explicit bounds checks, no guard regions)`);
        throw e;
      }
    }

  const ota = sc.ota
    ? await startFleetOta({ spec: sc.ota, site: sc.site, seed, brokerUrl: net.brokerUrl!, clock, participants: otaParticipants, trace: (e) => traceSink({ t: clock.now(), ...e }), ...(updates ? { allowUpdate: (a, b, k) => updates.check(a, b, k) } : {}) })
    : undefined;

  const slice = opts.progressEveryMs ?? Math.max(100, duration / 100);
  // about 200 samples a device, and at most ~400,000 in all (a big fleet's report groups its devices)
  const sampleMs = Math.max(100, Math.round(duration / 200), Math.round((duration * built.length) / 400_000));
  const sample = () => {
    for (const b of built) {
      const p = b.base?.position() ?? b.spec.position;
      b.samples.push([clock.now(), +b.battery.level(clock.now()).toFixed(5), +p[0].toFixed(2), +p[1].toFixed(2)]);
    }
    economy?.sample(clock.now());
  };
  sample();
  let nextSample = sampleMs;
  let stoppedEarly = false;
  const setupMs = performance.now() - started;
  if (virtual) {
    const stop = opts.shouldStop ?? (() => false);
    await opts.link?.sync(0);
    run: for (let t = 0; t < duration; ) {
      t = Math.min(duration, t + slice);
      while (nextSample <= t) {
        if (!(await runYielding(virtual, nextSample, stop))) break run;
        sample();
        nextSample += sampleMs;
      }
      if (!(await runYielding(virtual, t, stop))) break;
      await opts.link?.sync(t);
      opts.onProgress?.(t, duration);
    }
    stoppedEarly = virtual.now() < duration;
  } else {
    // real time: the clock runs by itself; wake up to sample, report progress and check for a stop
    const tick = Math.min(sampleMs, 250);
    while (clock.now() < duration) {
      if (opts.shouldStop?.()) {
        stoppedEarly = true;
        break;
      }
      await new Promise((res) => setTimeout(res, Math.min(tick, Math.max(1, duration - clock.now()))));
      if (clock.now() >= nextSample) {
        sample();
        nextSample += sampleMs;
      }
      opts.onProgress?.(Math.min(clock.now(), duration), duration);
    }
  }

  // what the rollout has under way gets a little time to land; a stopped run waits less
  const otaResult = ota ? await ota.finish(stoppedEarly ? 500 : 5_000) : undefined;
  const agents: AgentResult[] = [];
  for (const { device: d } of built)
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
  const devices: DeviceResult[] = built.map((b) => ({
    id: b.spec.id,
    board: b.spec.board.name,
    position: (b.base?.position() ?? b.spec.position).map((x) => +x.toFixed(2)) as Point,
    travelledM: +(b.base?.travelled() ?? 0).toFixed(2),
    energy: b.battery.breakdown(clock.now()),
    bytesOut: b.device.bytesOut,
    bytesIn: b.device.bytesIn,
    inferences: b.models?.inferences ?? 0,
    macs: b.models?.macs ?? 0,
    samples: b.samples,
  }));
  opts.onFinish?.(built.map((b) => b.device));
  for (const b of built) b.device.stop();
  real?.stop();
  const refused = net.refused();
  await net.close();
  const acts = built.flatMap((b) =>
    b.recorders.map(({ alias, sink }) => ({
      device: b.spec.id,
      alias,
      commands: sink.commands.length,
      ...(sink.commands[0] ? { firstAtMs: sink.commands[0].atMs } : {}),
    })),
  );
  const result: SimResult = {
    scenario: sc.name,
    seed,
    simulatedMs: clock.now(),
    stoppedEarly,
    wallMs: performance.now() - started,
    setupMs,
    eventsRun: virtual?.eventsRun ?? agentEvents(built),
    network: kind,
    messages: { published: net.published, delivered: net.delivered, refused, latencyMs: latencyStats(net.latencies) },
    agents,
    actuators: acts,
    devices,
    expectations: [],
    trace: log.events,
    ...(otaResult ? { ota: otaResult } : {}),
    ...(gate && updates && sc.policy ? { policy: { file: sc.policy.file, checks: gate.checks + updates.checks, refused: { ...gate.refused, ...updates.refused } } } : {}),
    ...(audit ? { audit: { file: opts.auditFile!, records: audit.records, byKind: { ...audit.counts }, publicKey: Buffer.from(siteAuditKey(sc.site, seed).publicKey).toString("hex") } } : {}),
  };
  if (line) result.line = lineMetrics(result.trace, line, result.simulatedMs);
  if (economy) {
    const invoices = economy.bill(agents.map((a) => ({ device: a.device, agent: a.agent, fuel: a.metrics.fuelUsed + a.metrics.initFuel })), result.trace, result.simulatedMs);
    // the devices have stopped; a replicated ledger settles what is still on its way (the invoice, a last payment)
    const settleBy = clock.now() + 30_000;
    // (on the virtual clock; a real-time run's clock has stopped, and what is pending is reported so)
    while (virtual && economy.pending > 0 && virtual.now() < settleBy) virtual.runUntil(virtual.now() + 50);
    economy.sample(result.simulatedMs);
    result.economy = economy.result(invoices, opts.ledgerFile ? opts.ledgerFile.replace(/[^/\\]*$/, "ledger-keys.json") : undefined);
  }
  result.expectations = sc.expect.map((e) => checkExpectation(e, result));
  return result;
}

/** Events dispatched to agents (the real-time clock does not count its own). */
function agentEvents(built: { device: Device }[]): number {
  let n = 0;
  for (const b of built) for (const a of b.device.agents.values()) n += a.metrics.events;
  return n;
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
  if (e.otaState) {
    const seen = r.ota?.history.find((h) => h.state === e.otaState);
    return { text: `the rollout was ${e.otaState}`, ok: seen !== undefined, detail: seen ? `at ${Math.round(seen.t)} ms${seen.reason ? `: ${seen.reason}` : ""}` : `states: ${r.ota?.history.map((h) => h.state).join(" -> ") || "none"}${r.ota?.error ? `; ${r.ota.error}` : ""}` };
  }
  const faults = r.agents.reduce((n, a) => n + a.metrics.faults, 0);
  return { text: "no agent faulted", ok: faults === 0, detail: `${faults} fault(s)` };
}
