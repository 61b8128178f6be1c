// Scenario files (YAML): devices, their boards, sensors, actuators and agents,
// the network, how long to run and what must happen. Every error names the
// file, the line and the problem.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { LineCounter, parseDocument, type Document } from "yaml";
import { Encoder } from "cbor-x";
import type { AssetSpec, GridSpec, LineSpec, SensorFault, SpectrumFault, WaveformSpec } from "../hal/index.ts";
import { BoardError, loadBoard, ManifestError, parseManifest, type BoardProfile, type Manifest } from "../kernel/index.ts";
import { parseDuration } from "./duration.ts";
import { OTA_FIELDS, type OtaSpec } from "./ota/index.ts";
import { loadPolicy, PolicyError, type SitePolicy } from "../governance/index.ts";

export class ScenarioError extends Error {
  constructor(
    readonly file: string,
    readonly line: number | undefined,
    readonly problem: string,
  ) {
    super(`${file}${line !== undefined ? `:${line}` : ""}: ${problem}`);
    this.name = "ScenarioError";
  }
}

export interface AgentSpec {
  name: string;
  wasmPath: string;
  manifest: Manifest;
  wasm: Uint8Array;
  /** preset key-value state, e.g. "config" (CBOR) */
  state: Map<string, Uint8Array>;
}

/** What a device's sensor alias is bound to. */
export type SensorSpec =
  | { kind: "waveform"; wave: WaveformSpec }
  | { kind: "position" }
  | { kind: "battery" }
  | { kind: "spectrum"; range: number }
  | { kind: "probe"; range: number }
  /** a camera over the production line's conveyor, or over a station actuator */
  | { kind: "camera"; station?: string };

export interface MobilitySpec {
  speed: number;
  energyPerMetre: number;
  flies: boolean;
}

export interface DeviceSpec {
  id: string;
  board: BoardProfile;
  position: [number, number];
  battery: { capacityWh: number; level: number };
  mobility?: MobilitySpec;
  sensors: Map<string, SensorSpec>;
  /** alias -> kind: "motion" drives the mobility, "station" holds a line item, "recording" just records */
  actuators: Map<string, "motion" | "recording" | "station">;
  agents: AgentSpec[];
}

export interface Expectation {
  /** "device/alias": at least one actuator command */
  actuator?: string;
  /** a relative topic that must be published */
  topic?: string;
  min?: number;
  beforeMs?: number;
  /** no agent faults at all */
  noFaults?: boolean;
  /** the OTA rollout went through this state (halted, done, rolled-back) */
  otaState?: string;
}

export interface Scenario {
  file: string;
  name: string;
  description?: string;
  site: string;
  seed: number;
  durationMs: number;
  network: { latencyMs: number };
  map?: GridSpec;
  assets: AssetSpec[];
  /** model name -> .tflite path */
  models: Map<string, string>;
  /** model name -> deadline of a model_invoke of it, ms (the scheduler's; default one second) */
  modelDeadlines: Map<string, number>;
  line?: LineSpec;
  devices: DeviceSpec[];
  quiet: string[];
  expect: Expectation[];
  /** a staged over-the-air rollout during the run (real time, over the broker) */
  ota?: OtaSpec;
  /** the site's policy (host/governance), enforced on every device */
  policy?: SitePolicy;
  /** wallets, prices, budgets and billing (host/economy): devices are paid for confirmed work */
  economy?: EconomySpec;
}

export interface EconomySpec {
  /** minted at the start to each device's wallet (account = device id), unless named in balances */
  balance: number;
  balances: Map<string, number>;
  /** minted to the site's wallet (account = the site's name), which pays the subscription */
  siteBalance: number;
  creditLimit: number;
  /** the price model's rates, given to every agent with the wallet capability (config.tariff) */
  tariff: { perMj: number; perSecond: number; wearPerMetre: number; lowBattery: number };
  /** a manager's budget (config.budget): most per task and per hour, the bond's share of the price */
  budget: { perTask: number; perHour: number; penalty: number };
  /** the agent subscription billed to the site's wallet, paid to `vendor` */
  subscription: { vendor: string; perAgentHour: number; perMegaFuel: number; perOutcome: number };
  /** devices that keep the site's replicated ledger (empty: one ledger in the simulator's process) */
  ledgers: string[];
  /** one-way latency of the ledger nodes' network, ms */
  ledgerLatencyMs: number;
}

type Path = (string | number)[];

class Reader {
  constructor(
    readonly file: string,
    readonly doc: Document,
    readonly lines: LineCounter,
  ) {}

  line(p: Path): number | undefined {
    for (let i = p.length; i >= 0; i--) {
      const node = this.doc.getIn(p.slice(0, i), true) as { range?: [number, number, number] } | undefined;
      if (node && typeof node === "object" && node.range) return this.lines.linePos(node.range[0]).line;
    }
    return undefined;
  }

  fail(p: Path, problem: string): never {
    const where = p.length ? `${p.map((x) => (typeof x === "number" ? `[${x}]` : `.${x}`)).join("").replace(/^\./, "")}: ` : "";
    throw new ScenarioError(this.file, this.line(p), where + problem);
  }
}

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function allowOnly(r: Reader, p: Path, obj: Record<string, unknown>, keys: string[]): void {
  for (const k of Object.keys(obj)) if (!keys.includes(k)) r.fail([...p, k], `unknown field "${k}" (allowed: ${keys.join(", ")})`);
}

function num(r: Reader, p: Path, v: unknown, dflt: number, min = -Infinity): number {
  if (v === undefined) return dflt;
  if (typeof v !== "number" || !Number.isFinite(v) || v < min) r.fail(p, `must be a number${min > -Infinity ? ` >= ${min}` : ""} (got ${JSON.stringify(v)})`);
  return v;
}

function dur(r: Reader, p: Path, v: unknown, dflt: number): number {
  if (v === undefined) return dflt;
  try {
    return parseDuration(v);
  } catch (e) {
    return r.fail(p, (e as Error).message.replace(/^duration: /, ""));
  }
}

function readSensor(r: Reader, p: Path, v: unknown): WaveformSpec {
  if (!isObj(v)) r.fail(p, "a sensor is a map { rateHz, tones, noise, offset, faults }");
  allowOnly(r, p, v, ["rateHz", "tones", "noise", "offset", "faults"]);
  const tones = v.tones ?? [];
  if (!Array.isArray(tones) || !tones.every((t) => Array.isArray(t) && t.length === 2 && t.every((x) => typeof x === "number")))
    r.fail([...p, "tones"], "tones is a list of [frequency Hz, amplitude] pairs");
  const faults: SensorFault[] = [];
  const fl = v.faults ?? [];
  if (!Array.isArray(fl)) r.fail([...p, "faults"], "faults is a list");
  fl.forEach((f, i) => {
    const fp = [...p, "faults", i];
    if (!isObj(f)) r.fail(fp, "a fault is a map { at, until, amplitude, offset, noise, stuck }");
    allowOnly(r, fp, f, ["at", "until", "amplitude", "offset", "noise", "stuck"]);
    if (f.at === undefined) r.fail(fp, `a fault needs "at"`);
    const fault: SensorFault = { atMs: dur(r, [...fp, "at"], f.at, 0) };
    if (f.until !== undefined) fault.untilMs = dur(r, [...fp, "until"], f.until, 0);
    for (const k of ["amplitude", "offset", "noise", "stuck"] as const) if (f[k] !== undefined) fault[k] = num(r, [...fp, k], f[k], 0);
    faults.push(fault);
  });
  return {
    rateHz: num(r, [...p, "rateHz"], v.rateHz, 100, 0.001),
    tones: tones as [number, number][],
    noise: num(r, [...p, "noise"], v.noise, 0, 0),
    offset: num(r, [...p, "offset"], v.offset, 0),
    faults,
  };
}

const cbor = new Encoder({ useRecords: false, variableMapSize: true, tagUint8Array: false });

function readSensorBinding(r: Reader, p: Path, v: unknown): SensorSpec {
  if (isObj(v) && typeof v.kind === "string" && v.kind !== "waveform") {
    const kind = v.kind;
    if (kind === "position" || kind === "battery") {
      allowOnly(r, p, v, ["kind"]);
      return { kind };
    }
    if (kind === "spectrum" || kind === "probe") {
      allowOnly(r, p, v, ["kind", "range"]);
      return { kind, range: num(r, [...p, "range"], v.range, kind === "probe" ? 1.5 : 5, 0) };
    }
    if (kind === "camera") {
      allowOnly(r, p, v, ["kind", "station"]);
      if (v.station !== undefined && typeof v.station !== "string") r.fail([...p, "station"], "station names a station actuator of the device");
      return typeof v.station === "string" ? { kind, station: v.station } : { kind };
    }
    return r.fail([...p, "kind"], `unknown sensor kind "${kind}" (known: waveform, position, battery, spectrum, probe, camera)`);
  }
  if (isObj(v) && v.kind === "waveform") {
    const { kind: _k, ...rest } = v;
    return { kind: "waveform", wave: readSensor(r, p, rest) };
  }
  return { kind: "waveform", wave: readSensor(r, p, v) };
}

/** One read per module in a parse, however many devices run it (a fleet). */
let agentCache = new Map<string, Omit<AgentSpec, "state">>();

function readAgent(r: Reader, p: Path, v: unknown, baseDir: string, agentsDir: string): AgentSpec {
  let wasmPath: string;
  let manifestPath: string;
  const state = new Map<string, Uint8Array>();
  const named = (n: string) => {
    wasmPath = path.join(agentsDir, `${n}.wasm`);
    manifestPath = path.join(agentsDir, `${n}.json`);
  };
  if (typeof v === "string") named(v);
  else if (isObj(v)) {
    allowOnly(r, p, v, ["name", "module", "manifest", "config"]);
    if (typeof v.name === "string") named(v.name);
    else if (typeof v.module === "string") {
      wasmPath = path.resolve(baseDir, v.module);
      manifestPath = typeof v.manifest === "string" ? path.resolve(baseDir, v.manifest) : wasmPath.replace(/\.wasm$/, ".json");
    } else r.fail(p, "an agent needs a name (from build/agents) or a module (a .wasm path)");
    if (v.config !== undefined) {
      if (!isObj(v.config)) r.fail([...p, "config"], "config is a map (the agent reads it with state.config())");
      state.set("config", cbor.encode(v.config));
    }
  } else return r.fail(p, "an agent is a name (from build/agents) or { name | module, manifest, config }");
  wasmPath = wasmPath!;
  manifestPath = manifestPath!;
  const cached = agentCache.get(wasmPath);
  if (cached) return { ...cached, state };
  if (!existsSync(wasmPath)) {
    // A name that is no agent at all is a typo, not a missing build: say which names exist.
    const name = typeof v === "string" ? v : isObj(v) && typeof v.name === "string" ? v.name : undefined;
    const known = existsSync(agentsDir) ? readdirSync(agentsDir).filter((f) => f.endsWith(".wasm")).map((f) => f.slice(0, -5)).sort() : [];
    if (name !== undefined && known.length > 0 && !known.includes(name)) r.fail(p, `unknown agent "${name}" (known: ${known.join(", ")})`);
    r.fail(p, `module ${path.relative(process.cwd(), wasmPath)} not found (run \`colony build\` first?)`);
  }
  if (!existsSync(manifestPath)) r.fail(p, `manifest ${path.relative(process.cwd(), manifestPath)} not found`);
  let manifest: Manifest;
  try {
    manifest = parseManifest(readFileSync(manifestPath, "utf8"), manifestPath);
  } catch (e) {
    if (e instanceof ManifestError) return r.fail(p, e.message);
    throw e;
  }
  const spec = { name: manifest.name, wasmPath, manifest, wasm: new Uint8Array(readFileSync(wasmPath)) };
  agentCache.set(wasmPath, spec);
  return { ...spec, state };
}

function readDevice(r: Reader, p: Path, v: unknown, baseDir: string, agentsDir: string): DeviceSpec {
  if (!isObj(v)) r.fail(p, "a device is a map { id, board, position, battery, sensors, actuators, agents }");
  allowOnly(r, p, v, ["id", "board", "position", "battery", "mobility", "sensors", "actuators", "agents"]);
  if (typeof v.id !== "string" || !/^[A-Za-z0-9][A-Za-z0-9_-]*$/.test(v.id)) r.fail([...p, "id"], "id must be letters, digits, - and _");
  if (typeof v.board !== "string") r.fail([...p, "board"], "board must name a board profile");
  let board: BoardProfile;
  try {
    board = loadBoard(v.board);
  } catch (e) {
    if (e instanceof BoardError) return r.fail([...p, "board"], e.problems.join("; "));
    throw e;
  }
  const pos = v.position ?? [0, 0];
  if (!Array.isArray(pos) || pos.length !== 2 || !pos.every((x) => typeof x === "number")) r.fail([...p, "position"], "position is [x, y] in metres");
  let mobility: MobilitySpec | undefined;
  if (v.mobility !== undefined) {
    const m = v.mobility;
    if (!isObj(m)) r.fail([...p, "mobility"], "mobility is a map { speed, energyPerMetre, flies }");
    allowOnly(r, [...p, "mobility"], m, ["speed", "energyPerMetre", "flies"]);
    mobility = { speed: num(r, [...p, "mobility", "speed"], m.speed, 1, 0.001), energyPerMetre: num(r, [...p, "mobility", "energyPerMetre"], m.energyPerMetre, 10, 0), flies: m.flies === true };
  }
  const sensors = new Map<string, SensorSpec>();
  if (v.sensors !== undefined) {
    if (!isObj(v.sensors)) r.fail([...p, "sensors"], "sensors is a map from alias to sensor");
    for (const [alias, s] of Object.entries(v.sensors)) {
      const spec = readSensorBinding(r, [...p, "sensors", alias], s);
      if (spec.kind === "position" && !mobility) r.fail([...p, "sensors", alias], "a position sensor needs the device's mobility");
      sensors.set(alias, spec);
    }
  }
  const actuators = new Map<string, "motion" | "recording" | "station">();
  const al = v.actuators ?? [];
  if (!Array.isArray(al)) r.fail([...p, "actuators"], "actuators is a list of aliases or { alias, kind }");
  al.forEach((a, i) => {
    if (typeof a === "string") actuators.set(a, "recording");
    else if (isObj(a) && typeof a.alias === "string" && (a.kind === "motion" || a.kind === "recording" || a.kind === "station")) {
      if (a.kind === "motion" && !mobility) r.fail([...p, "actuators", i], "a motion actuator needs the device's mobility");
      actuators.set(a.alias, a.kind);
    } else r.fail([...p, "actuators", i], `an actuator is an alias or { alias, kind: motion | station | recording }`);
  });
  for (const [alias, spec] of sensors)
    if (spec.kind === "camera" && spec.station !== undefined && actuators.get(spec.station) !== "station")
      r.fail([...p, "sensors", alias, "station"], `camera ${alias} watches station "${spec.station}", which is not a station actuator of this device`);
  let battery = { capacityWh: 10, level: 1 };
  if (typeof v.battery === "number") battery = { capacityWh: 10, level: num(r, [...p, "battery"], v.battery, 1, 0) };
  else if (isObj(v.battery)) {
    allowOnly(r, [...p, "battery"], v.battery, ["capacityWh", "level"]);
    battery = { capacityWh: num(r, [...p, "battery", "capacityWh"], v.battery.capacityWh, 10, 0.001), level: num(r, [...p, "battery", "level"], v.battery.level, 1, 0) };
  } else if (v.battery !== undefined) r.fail([...p, "battery"], "battery is a level (0..1) or { capacityWh, level }");
  if (!Array.isArray(v.agents) || v.agents.length === 0) r.fail([...p, "agents"], "agents is a non-empty list");
  const agents = v.agents.map((a, i) => readAgent(r, [...p, "agents", i], a, baseDir, agentsDir));
  agents.forEach((a, i) => {
    for (const c of a.manifest.capabilities) {
      const [group, alias] = c.split(":");
      if (group === "sensor" && !sensors.has(alias!)) r.fail([...p, "agents", i], `agent ${a.name} asks for capability ${c} but device ${v.id} has no sensor "${alias}"`);
      if (group === "actuator" && !actuators.has(alias!)) r.fail([...p, "agents", i], `agent ${a.name} asks for capability ${c} but device ${v.id} has no actuator "${alias}"`);
    }
  });
  return {
    id: v.id,
    board,
    position: pos as [number, number],
    battery,
    ...(mobility ? { mobility } : {}),
    sensors,
    actuators,
    agents,
  };
}

/**
 * A group of like devices, generated: `count` devices named <idPrefix><n>, at seeded random
 * positions in `area`, each like one `devices` entry; `every` entries swap in other agents
 * for every Nth device (e.g. one dispatcher in a hundred).
 */
function readFleetGroup(r: Reader, p: Path, g: unknown, seed: number, baseDir: string, agentsDir: string): DeviceSpec[] {
  if (!isObj(g)) r.fail(p, "a fleet group is { count, idPrefix, area, board, battery, sensors, actuators, agents, every }");
  allowOnly(r, p, g, ["count", "idPrefix", "area", "board", "battery", "sensors", "actuators", "agents", "every"]);
  const count = Math.round(num(r, [...p, "count"], g.count, 0, 1));
  const area = g.area ?? [100, 100];
  if (!Array.isArray(area) || area.length !== 2 || !area.every((x) => typeof x === "number")) r.fail([...p, "area"], "area is [width, height] in metres");
  const every = g.every ?? [];
  if (!Array.isArray(every)) r.fail([...p, "every"], "every is a list of { nth, agents }");
  const prefix = typeof g.idPrefix === "string" ? g.idPrefix : "node-";
  let x = (seed ^ 0x9e3779b9) >>> 0;
  const rand = () => {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    return x / 4294967296;
  };
  const out: DeviceSpec[] = [];
  for (let n = 0; n < count; n++) {
    let agents = g.agents;
    every.forEach((e, i) => {
      if (!isObj(e) || typeof e.nth !== "number" || !Array.isArray(e.agents)) r.fail([...p, "every", i], "an every entry is { nth, agents }");
      if (n % e.nth === 0) agents = e.agents;
    });
    const raw = { id: `${prefix}${n}`, board: g.board, position: [+(rand() * (area[0] as number)).toFixed(2), +(rand() * (area[1] as number)).toFixed(2)], battery: g.battery, sensors: g.sensors, actuators: g.actuators, agents };
    for (const k of Object.keys(raw) as (keyof typeof raw)[]) if (raw[k] === undefined) delete raw[k];
    out.push(readDevice(r, p, raw, baseDir, agentsDir));
  }
  return out;
}

function readMap(r: Reader, v: unknown): GridSpec {
  if (!isObj(v)) r.fail(["map"], "map is { cell, width, height, obstacles }");
  allowOnly(r, ["map"], v, ["cell", "width", "height", "obstacles"]);
  const obstacles = v.obstacles ?? [];
  if (!Array.isArray(obstacles) || !obstacles.every((o) => Array.isArray(o) && o.length === 4 && o.every((x) => typeof x === "number")))
    r.fail(["map", "obstacles"], "obstacles is a list of [x0, y0, x1, y1] rectangles in metres");
  return {
    cell: num(r, ["map", "cell"], v.cell, 1, 0.01),
    width: Math.round(num(r, ["map", "width"], v.width, 50, 1)),
    height: Math.round(num(r, ["map", "height"], v.height, 50, 1)),
    obstacles: obstacles as [number, number, number, number][],
  };
}

function readAsset(r: Reader, p: Path, v: unknown, baseDir: string): AssetSpec {
  if (!isObj(v)) r.fail(p, "an asset is { id, position, vibration, spectrum }");
  allowOnly(r, p, v, ["id", "position", "vibration", "spectrum"]);
  if (typeof v.id !== "string") r.fail([...p, "id"], "id is required");
  const pos = v.position;
  if (!Array.isArray(pos) || pos.length !== 2 || !pos.every((x) => typeof x === "number")) r.fail([...p, "position"], "position is [x, y] in metres");
  const asset: AssetSpec = { id: v.id, position: pos as [number, number] };
  if (v.vibration !== undefined) asset.vibration = readSensor(r, [...p, "vibration"], v.vibration);
  if (v.spectrum !== undefined) {
    const sp = v.spectrum;
    const sp0 = [...p, "spectrum"];
    if (!isObj(sp)) r.fail(sp0, "spectrum is { trace, scale, zeroPoint, faults }");
    allowOnly(r, sp0, sp, ["trace", "scale", "zeroPoint", "faults"]);
    if (typeof sp.trace !== "string") r.fail([...sp0, "trace"], "trace is a file of int8 feature values");
    const file = path.resolve(baseDir, sp.trace);
    if (!existsSync(file)) r.fail([...sp0, "trace"], `trace ${path.relative(process.cwd(), file)} not found`);
    const q = Int8Array.from(readFileSync(file), (b) => (b << 24) >> 24);
    const scale = num(r, [...sp0, "scale"], sp.scale, 1, 0);
    const zero = num(r, [...sp0, "zeroPoint"], sp.zeroPoint, 0);
    const frames = Float32Array.from(q, (x) => (x - zero) * scale);
    const faults: SpectrumFault[] = [];
    const fl = sp.faults ?? [];
    if (!Array.isArray(fl)) r.fail([...sp0, "faults"], "faults is a list");
    fl.forEach((f, i) => {
      const fp = [...sp0, "faults", i];
      if (!isObj(f)) r.fail(fp, "a spectrum fault is { at, until, bins: [from, to], gain, offset }");
      allowOnly(r, fp, f, ["at", "until", "bins", "gain", "offset"]);
      const bins = f.bins;
      if (!Array.isArray(bins) || bins.length !== 2 || !bins.every((b) => Number.isInteger(b))) r.fail([...fp, "bins"], "bins is [from, to)");
      const fault: SpectrumFault = { atMs: dur(r, [...fp, "at"], f.at, 0), bins: bins as [number, number], gain: num(r, [...fp, "gain"], f.gain, 1), offset: num(r, [...fp, "offset"], f.offset, 0) };
      if (f.until !== undefined) {
        fault.untilMs = dur(r, [...fp, "until"], f.until, 0);
        if (fault.untilMs <= fault.atMs) r.fail([...fp, "until"], "until must come after at");
      }
      faults.push(fault);
    });
    asset.spectrum = { frames, faults };
  }
  return asset;
}

export interface LoadScenarioOptions {
  /** where agent names resolve (default: build/agents under the cwd) */
  agentsDir?: string;
}

export function parseScenario(text: string, file: string, opts: LoadScenarioOptions = {}): Scenario {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    throw new ScenarioError(file, lines.linePos(e.pos[0]).line, `bad YAML: ${e.message.split("\n")[0]}`);
  }
  const r: Reader = new Reader(file, doc, lines);
  const v: unknown = doc.toJS();
  if (!isObj(v)) r.fail([], "a scenario is a map { name, site, seed, duration, devices, network, record, expect }");
  allowOnly(r, [], v, ["name", "description", "site", "seed", "duration", "devices", "fleet", "network", "record", "expect", "map", "assets", "models", "line", "ota", "policy", "economy"]);
  agentCache = new Map();
  if (typeof v.name !== "string") r.fail(["name"], "name is required");
  const site = v.site ?? "site";
  if (typeof site !== "string" || !/^[A-Za-z0-9_-]+$/.test(site)) r.fail(["site"], "site must be letters, digits, - and _");
  const baseDir = path.dirname(path.resolve(file));
  const agentsDir = opts.agentsDir ?? path.resolve("build/agents");
  const listed = v.devices ?? [];
  if (!Array.isArray(listed)) r.fail(["devices"], "devices is a list");
  const devices = listed.map((d, i) => readDevice(r, ["devices", i], d, baseDir, agentsDir));
  const fleet = v.fleet ?? [];
  if (!Array.isArray(fleet)) r.fail(["fleet"], "fleet is a list of device groups");
  fleet.forEach((g, gi) => devices.push(...readFleetGroup(r, ["fleet", gi], g, Number(v.seed ?? 1), baseDir, agentsDir)));
  if (devices.length === 0) r.fail(["devices"], "a scenario needs devices (a devices list or a fleet)");
  const ids = new Set<string>();
  devices.forEach((d, i) => {
    if (ids.has(d.id)) r.fail(["devices", i, "id"], `duplicate device id "${d.id}"`);
    ids.add(d.id);
  });
  const map = v.map === undefined ? undefined : readMap(r, v.map);
  const models = new Map<string, string>();
  const modelDeadlines = new Map<string, number>();
  if (v.models !== undefined) {
    if (!isObj(v.models)) r.fail(["models"], "models is a map from model name to a .tflite file");
    for (const [name, entry] of Object.entries(v.models)) {
      // a path, or { file, deadline } with the deadline the scheduler places its calls by
      let f = entry;
      if (isObj(entry)) {
        allowOnly(r, ["models", name], entry, ["file", "deadline"]);
        f = entry.file;
        if (entry.deadline !== undefined) {
          const d = dur(r, ["models", name, "deadline"], entry.deadline, 0);
          if (!(d > 0)) r.fail(["models", name, "deadline"], "a deadline must be longer than 0 ms");
          modelDeadlines.set(name, d);
        }
      }
      if (typeof f !== "string") r.fail(["models", name], "a model is a path to a .tflite file, or { file, deadline }");
      const file = path.resolve(baseDir, f);
      if (!existsSync(file)) r.fail(["models", name], `model file ${path.relative(process.cwd(), file)} not found`);
      models.set(name, file);
    }
  }
  let line: LineSpec | undefined;
  if (v.line !== undefined) {
    if (!isObj(v.line)) r.fail(["line"], "line is { period, defectRate }");
    allowOnly(r, ["line"], v.line, ["period", "defectRate"]);
    line = { periodMs: dur(r, ["line", "period"], v.line.period, 2000), defectRate: num(r, ["line", "defectRate"], v.line.defectRate, 0.1, 0) };
  }
  if (!line && devices.some((d) => [...d.sensors.values()].some((x) => x.kind === "camera"))) r.fail(["line"], "a camera sensor needs the scenario's production line (line: { period, defectRate })");
  const assetsRaw = v.assets ?? [];
  if (!Array.isArray(assetsRaw)) r.fail(["assets"], "assets is a list");
  const assets = assetsRaw.map((a, i) => readAsset(r, ["assets", i], a, baseDir));
  devices.forEach((d, i) =>
    d.agents.forEach((a, k) => {
      for (const m of a.manifest.models) if (!models.has(m)) r.fail(["devices", i, "agents", k], `agent ${a.name} uses model "${m}" but the scenario's models do not define it`);
    }),
  );
  const net = v.network ?? {};
  if (!isObj(net)) r.fail(["network"], "network is a map { latency }");
  allowOnly(r, ["network"], net, ["latency"]);
  const rec = v.record ?? {};
  if (!isObj(rec)) r.fail(["record"], "record is a map { quiet }");
  allowOnly(r, ["record"], rec, ["quiet"]);
  const quiet = rec.quiet ?? [];
  if (!Array.isArray(quiet) || !quiet.every((q) => typeof q === "string")) r.fail(["record", "quiet"], "quiet is a list of topic filters");
  const ex = v.expect ?? [];
  if (!Array.isArray(ex)) r.fail(["expect"], "expect is a list");
  const expect = ex.map((e, i): Expectation => {
    const p = ["expect", i];
    if (!isObj(e)) r.fail(p, "an expectation is a map");
    allowOnly(r, p, e, ["actuator", "topic", "min", "before", "noFaults", "ota"]);
    const out: Expectation = {};
    if (e.actuator !== undefined) {
      if (typeof e.actuator !== "string" || !/^[^/]+\/[^/]+$/.test(e.actuator)) r.fail([...p, "actuator"], `actuator is "device/alias"`);
      out.actuator = e.actuator;
    }
    if (e.topic !== undefined) {
      if (typeof e.topic !== "string") r.fail([...p, "topic"], "topic is a relative topic");
      out.topic = e.topic;
    }
    if (e.noFaults !== undefined) out.noFaults = e.noFaults === true;
    if (e.ota !== undefined) {
      if (!OTA_STATES.includes(e.ota as string)) r.fail([...p, "ota"], `ota is a rollout state: ${OTA_STATES.join(", ")}`);
      if (v.ota === undefined) r.fail([...p, "ota"], "an ota expectation needs the scenario's ota block");
      out.otaState = e.ota as string;
    }
    if (e.min !== undefined) out.min = num(r, [...p, "min"], e.min, 1, 0);
    if (e.before !== undefined) out.beforeMs = dur(r, [...p, "before"], e.before, 0);
    if (!out.actuator && !out.topic && out.noFaults === undefined && !out.otaState) r.fail(p, "an expectation names an actuator, a topic, noFaults or ota");
    return out;
  });
  return {
    file,
    name: v.name,
    ...(typeof v.description === "string" ? { description: v.description } : {}),
    site,
    seed: num(r, ["seed"], v.seed, 1),
    durationMs: dur(r, ["duration"], v.duration, 10_000),
    network: { latencyMs: dur(r, ["network", "latency"], net.latency, 1) },
    ...(map ? { map } : {}),
    assets,
    models,
    modelDeadlines,
    ...(line ? { line } : {}),
    devices,
    quiet: quiet as string[],
    expect,
    ...(v.ota !== undefined ? { ota: readOta(r, v.ota, devices) } : {}),
    ...(v.policy !== undefined ? { policy: readPolicy(r, v.policy, baseDir) } : {}),
    ...(v.economy !== undefined ? { economy: readEconomy(r, v.economy, devices) } : {}),
  };
}

function readEconomy(r: Reader, v: unknown, devices: DeviceSpec[]): EconomySpec {
  const p = ["economy"];
  if (!isObj(v)) r.fail(p, "economy is a map { balance, balances, siteBalance, creditLimit, tariff, budget, subscription, ledgers, ledgerLatency }");
  allowOnly(r, p, v, ["balance", "balances", "siteBalance", "creditLimit", "tariff", "budget", "subscription", "ledgers", "ledgerLatency"]);
  const ledgers: string[] = [];
  if (v.ledgers !== undefined) {
    if (!Array.isArray(v.ledgers)) r.fail([...p, "ledgers"], "ledgers is a list of the device ids that keep the site's ledger");
    (v.ledgers as unknown[]).forEach((id, i) => {
      if (typeof id !== "string" || !devices.some((d) => d.id === id)) r.fail([...p, "ledgers", i], `no device ${JSON.stringify(id)} in this scenario`);
      if (ledgers.includes(id as string)) r.fail([...p, "ledgers", i], `${id} is named twice`);
      ledgers.push(id as string);
    });
  }
  const int = (q: Path, x: unknown, dflt: number): number => {
    const n = num(r, q, x, dflt, 0);
    if (!Number.isSafeInteger(n)) r.fail(q, `must be a whole number of units (got ${n})`);
    return n;
  };
  const balances = new Map<string, number>();
  if (v.balances !== undefined) {
    if (!isObj(v.balances)) r.fail([...p, "balances"], "balances is a map { <device id>: units }");
    for (const [id, n] of Object.entries(v.balances)) {
      if (!devices.some((d) => d.id === id)) r.fail([...p, "balances", id], `no device "${id}" in this scenario`);
      balances.set(id, int([...p, "balances", id], n, 0));
    }
  }
  const sub = (k: string, keys: string[]): Record<string, unknown> => {
    const x = v[k] ?? {};
    if (!isObj(x)) r.fail([...p, k], `${k} is a map { ${keys.join(", ")} }`);
    allowOnly(r, [...p, k], x, keys);
    return x;
  };
  const t = sub("tariff", ["perMj", "perSecond", "wearPerMetre", "lowBattery"]);
  const b = sub("budget", ["perTask", "perHour", "penalty"]);
  const s = sub("subscription", ["vendor", "perAgentHour", "perMegaFuel", "perOutcome"]);
  const vendor = s.vendor ?? "colony-vendor";
  if (typeof vendor !== "string" || !/^[A-Za-z0-9][A-Za-z0-9_:.\/-]{0,63}$/.test(vendor)) r.fail([...p, "subscription", "vendor"], "vendor is an account id (letters, digits, _ : . / -)");
  const penalty = num(r, [...p, "budget", "penalty"], b.penalty, 0.2, 0);
  if (penalty > 1) r.fail([...p, "budget", "penalty"], `penalty is the bond's share of the price, 0 to 1 (got ${penalty})`);
  return {
    balance: int([...p, "balance"], v.balance, 100),
    balances,
    siteBalance: int([...p, "siteBalance"], v.siteBalance, 10_000),
    creditLimit: int([...p, "creditLimit"], v.creditLimit, 0),
    tariff: {
      perMj: num(r, [...p, "tariff", "perMj"], t.perMj, 0.0001, 0),
      perSecond: num(r, [...p, "tariff", "perSecond"], t.perSecond, 1, 0),
      wearPerMetre: num(r, [...p, "tariff", "wearPerMetre"], t.wearPerMetre, 0.5, 0),
      lowBattery: num(r, [...p, "tariff", "lowBattery"], t.lowBattery, 40, 0),
    },
    budget: { perTask: int([...p, "budget", "perTask"], b.perTask, 200), perHour: int([...p, "budget", "perHour"], b.perHour, 2000), penalty },
    ledgers,
    ledgerLatencyMs: dur(r, [...p, "ledgerLatency"], v.ledgerLatency, 5),
    subscription: {
      vendor,
      perAgentHour: num(r, [...p, "subscription", "perAgentHour"], s.perAgentHour, 20, 0),
      perMegaFuel: num(r, [...p, "subscription", "perMegaFuel"], s.perMegaFuel, 0.01, 0),
      perOutcome: num(r, [...p, "subscription", "perOutcome"], s.perOutcome, 5, 0),
    },
  };
}

const OTA_STATES = ["running", "halted", "done", "rolled-back"];

function readPolicy(r: Reader, v: unknown, baseDir: string): SitePolicy {
  if (typeof v !== "string") r.fail(["policy"], "policy is the path of a site policy (YAML)");
  try {
    return loadPolicy(path.relative(process.cwd(), path.resolve(baseDir, v)) || path.resolve(baseDir, v));
  } catch (e) {
    // the policy's own file and line, as the policy file is what is wrong
    if (e instanceof PolicyError) throw new ScenarioError(path.relative(process.cwd(), e.file), e.line, e.message.slice(e.message.indexOf(": ", e.file.length) + 2));
    throw e;
  }
}

function readOta(r: Reader, v: unknown, devices: DeviceSpec[]): OtaSpec {
  const p = ["ota"];
  if (!isObj(v)) r.fail(p, "ota is a map { agent, version, resources, grants, at, target, canary, haltOn, waves, health, rollbackAt }");
  allowOnly(r, p, v, OTA_FIELDS);
  if (typeof v.agent !== "string") r.fail([...p, "agent"], "agent names the agent the rollout updates");
  const runs = devices.filter((d) => d.agents.some((a) => a.name === v.agent));
  if (runs.length === 0) r.fail([...p, "agent"], `no device runs agent "${v.agent}"`);
  const current = runs[0]!.agents.find((a) => a.name === v.agent)!.manifest.version;
  if (typeof v.version !== "string" || !/^\d+\.\d+\.\d+$/.test(v.version)) r.fail([...p, "version"], "version is the release's semver, e.g. 1.1.0");
  const newer = (a: string, b: string) => {
    const x = a.split(".").map(Number);
    const y = b.split(".").map(Number);
    for (let i = 0; i < 3; i++) if (x[i] !== y[i]) return x[i]! > y[i]!;
    return false;
  };
  if (!newer(v.version, current)) r.fail([...p, "version"], `${v.version} is not newer than the ${current} the devices run`);
  const resources: OtaSpec["resources"] = {};
  if (v.resources !== undefined) {
    if (!isObj(v.resources)) r.fail([...p, "resources"], "resources is { memoryPages, fuelPerEvent }: what the release changes");
    allowOnly(r, [...p, "resources"], v.resources, ["memoryPages", "fuelPerEvent"]);
    if (v.resources.memoryPages !== undefined) resources.memoryPages = num(r, [...p, "resources", "memoryPages"], v.resources.memoryPages, 1, 1);
    if (v.resources.fuelPerEvent !== undefined) resources.fuelPerEvent = num(r, [...p, "resources", "fuelPerEvent"], v.resources.fuelPerEvent, 1, 1);
  }
  const grants: OtaSpec["grants"] = { capabilities: [], publish: [], subscribe: [] };
  if (v.grants !== undefined) {
    if (!isObj(v.grants)) r.fail([...p, "grants"], "grants is { capabilities, publish, subscribe }: what the release asks for beyond the running version");
    allowOnly(r, [...p, "grants"], v.grants, ["capabilities", "publish", "subscribe"]);
    for (const k of ["capabilities", "publish", "subscribe"] as const) {
      const x = v.grants[k] ?? [];
      if (!Array.isArray(x) || x.some((n) => typeof n !== "string")) r.fail([...p, "grants", k], `${k} is a list of names`);
      grants[k] = x as string[];
    }
  }
  const percent = (k: string, dflt: number): number => {
    const x = v[k];
    if (x === undefined) return dflt;
    const m = typeof x === "string" ? /^\s*(\d+(?:\.\d+)?)\s*%\s*$/.exec(x) : null;
    const n = m ? Number(m[1]) : typeof x === "number" ? x : NaN;
    if (!(n >= 0 && n <= 100)) r.fail([...p, k], `${k} is a percentage, e.g. 10% (got ${JSON.stringify(x)})`);
    return n;
  };
  const target = v.target ?? "all";
  if (typeof target !== "string" || !/^(all|group:.+|device:.+)$/.test(target)) r.fail([...p, "target"], `target is "all", "group:<board>" or "device:<id>,<id>"`);
  const atMs = dur(r, [...p, "at"], v.at, 2000);
  const rollbackAtMs = v.rollbackAt === undefined ? undefined : dur(r, [...p, "rollbackAt"], v.rollbackAt, 0);
  if (rollbackAtMs !== undefined && rollbackAtMs <= atMs) r.fail([...p, "rollbackAt"], "rollbackAt comes after at");
  return {
    agent: v.agent,
    version: v.version,
    resources,
    grants,
    atMs,
    target,
    canaryPercent: percent("canary", 10),
    haltOnPercent: percent("haltOn", 5),
    waves: num(r, [...p, "waves"], v.waves, 3, 1),
    healthMs: dur(r, [...p, "health"], v.health, 1000),
    ...(rollbackAtMs !== undefined ? { rollbackAtMs } : {}),
  };
}

export function loadScenario(file: string, opts?: LoadScenarioOptions): Scenario {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    throw new ScenarioError(file, undefined, "cannot read the file");
  }
  return parseScenario(text, file, opts);
}
