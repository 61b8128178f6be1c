// Scenario files (YAML): devices, their boards, sensors, actuators and agents,
// the network, how long to run and what must happen. Every error names the
// file, the line and the problem.
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { LineCounter, parseDocument, type Document } from "yaml";
import type { SensorFault, WaveformSpec } from "../hal/index.ts";
import { BoardError, loadBoard, ManifestError, parseManifest, type BoardProfile, type Manifest } from "../kernel/index.ts";
import { parseDuration } from "./duration.ts";

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
}

export interface DeviceSpec {
  id: string;
  board: BoardProfile;
  position: [number, number];
  battery: number;
  sensors: Map<string, WaveformSpec>;
  actuators: string[];
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
}

export interface Scenario {
  file: string;
  name: string;
  description?: string;
  site: string;
  seed: number;
  durationMs: number;
  network: { latencyMs: number };
  devices: DeviceSpec[];
  quiet: string[];
  expect: Expectation[];
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

function readAgent(r: Reader, p: Path, v: unknown, baseDir: string, agentsDir: string): AgentSpec {
  let wasmPath: string;
  let manifestPath: string;
  if (typeof v === "string") {
    wasmPath = path.join(agentsDir, `${v}.wasm`);
    manifestPath = path.join(agentsDir, `${v}.json`);
  } else if (isObj(v)) {
    allowOnly(r, p, v, ["module", "manifest"]);
    if (typeof v.module !== "string") r.fail([...p, "module"], "module must be a path to a .wasm");
    wasmPath = path.resolve(baseDir, v.module);
    manifestPath = typeof v.manifest === "string" ? path.resolve(baseDir, v.manifest) : wasmPath.replace(/\.wasm$/, ".json");
  } else return r.fail(p, "an agent is a name (from build/agents) or { module, manifest }");
  if (!existsSync(wasmPath)) r.fail(p, `module ${path.relative(process.cwd(), wasmPath)} not found (run \`colony build\` first?)`);
  if (!existsSync(manifestPath)) r.fail(p, `manifest ${path.relative(process.cwd(), manifestPath)} not found`);
  let manifest: Manifest;
  try {
    manifest = parseManifest(readFileSync(manifestPath, "utf8"), manifestPath);
  } catch (e) {
    if (e instanceof ManifestError) return r.fail(p, e.message);
    throw e;
  }
  return { name: manifest.name, wasmPath, manifest, wasm: new Uint8Array(readFileSync(wasmPath)) };
}

function readDevice(r: Reader, p: Path, v: unknown, baseDir: string, agentsDir: string): DeviceSpec {
  if (!isObj(v)) r.fail(p, "a device is a map { id, board, position, battery, sensors, actuators, agents }");
  allowOnly(r, p, v, ["id", "board", "position", "battery", "sensors", "actuators", "agents"]);
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
  const sensors = new Map<string, WaveformSpec>();
  if (v.sensors !== undefined) {
    if (!isObj(v.sensors)) r.fail([...p, "sensors"], "sensors is a map from alias to sensor");
    for (const [alias, s] of Object.entries(v.sensors)) sensors.set(alias, readSensor(r, [...p, "sensors", alias], s));
  }
  const actuators = v.actuators ?? [];
  if (!Array.isArray(actuators) || !actuators.every((a) => typeof a === "string")) r.fail([...p, "actuators"], "actuators is a list of aliases");
  if (!Array.isArray(v.agents) || v.agents.length === 0) r.fail([...p, "agents"], "agents is a non-empty list");
  const agents = v.agents.map((a, i) => readAgent(r, [...p, "agents", i], a, baseDir, agentsDir));
  agents.forEach((a, i) => {
    for (const c of a.manifest.capabilities) {
      const [group, alias] = c.split(":");
      if (group === "sensor" && !sensors.has(alias!)) r.fail([...p, "agents", i], `agent ${a.name} asks for capability ${c} but device ${v.id} has no sensor "${alias}"`);
      if (group === "actuator" && !actuators.includes(alias!)) r.fail([...p, "agents", i], `agent ${a.name} asks for capability ${c} but device ${v.id} has no actuator "${alias}"`);
    }
  });
  return {
    id: v.id,
    board,
    position: pos as [number, number],
    battery: num(r, [...p, "battery"], v.battery, 1, 0),
    sensors,
    actuators: actuators as string[],
    agents,
  };
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
  allowOnly(r, [], v, ["name", "description", "site", "seed", "duration", "devices", "network", "record", "expect"]);
  if (typeof v.name !== "string") r.fail(["name"], "name is required");
  const site = v.site ?? "site";
  if (typeof site !== "string" || !/^[A-Za-z0-9_-]+$/.test(site)) r.fail(["site"], "site must be letters, digits, - and _");
  const baseDir = path.dirname(path.resolve(file));
  const agentsDir = opts.agentsDir ?? path.resolve("build/agents");
  if (!Array.isArray(v.devices) || v.devices.length === 0) r.fail(["devices"], "devices is a non-empty list");
  const devices = v.devices.map((d, i) => readDevice(r, ["devices", i], d, baseDir, agentsDir));
  const ids = new Set<string>();
  devices.forEach((d, i) => {
    if (ids.has(d.id)) r.fail(["devices", i, "id"], `duplicate device id "${d.id}"`);
    ids.add(d.id);
  });
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
    allowOnly(r, p, e, ["actuator", "topic", "min", "before", "noFaults"]);
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
    if (e.min !== undefined) out.min = num(r, [...p, "min"], e.min, 1, 0);
    if (e.before !== undefined) out.beforeMs = dur(r, [...p, "before"], e.before, 0);
    if (!out.actuator && !out.topic && out.noFaults === undefined) r.fail(p, "an expectation names an actuator, a topic or noFaults");
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
    devices,
    quiet: quiet as string[],
    expect,
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
