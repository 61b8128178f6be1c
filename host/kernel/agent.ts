// One agent on one device: its instance, its event dispatch under a fuel
// budget, and what happens when it faults. Implements the AgentContext the
// host functions call back into; device-wide services come from DeviceServices.
import { decode as cborDecode } from "cbor-x";
import { EngineTrap, type EngineInstance } from "../engines/index.ts";
import { AbiError, ABI_MODULE, ABI_VERSION, EventKind, type EventKindValue } from "./abi.ts";
import type { AgentContext } from "./context.ts";
import { linkImports } from "./linker.ts";
import type { LoadedModule } from "./loader.ts";
import { grantsNamed, topicMatches, type Manifest } from "./manifest.ts";
import { AgentMemory } from "./memory.ts";
import { messagePayload } from "./message-payload.ts";
import type { DeviceServices } from "./services.ts";
import { Supervisor } from "./supervisor.ts";

export type AgentStatus = "starting" | "running" | "restarting" | "quarantined" | "stopped";
export type FaultKind = "trap" | "fuel" | "init" | "abi";

export interface AgentMetrics {
  events: number;
  /** fuel of init (and restarts), apart from events */
  initFuel: number;
  fuelUsed: number;
  fuelMaxPerEvent: number;
  faults: number;
  fuelExhausted: number;
  restarts: number;
  memoryBytes: number;
  published: number;
  received: number;
  refused: number;
  dropped: number;
}

export const STATE_LIMITS = { keys: 64, valueBytes: 4096, totalBytes: 16384 } as const;
export const MAX_TIMERS = 16;
const MAX_MESSAGE_BYTES = 16384;

export class RunningAgent implements AgentContext {
  status: AgentStatus = "starting";
  readonly metrics: AgentMetrics = {
    events: 0, initFuel: 0, fuelUsed: 0, fuelMaxPerEvent: 0, faults: 0, fuelExhausted: 0, restarts: 0,
    memoryBytes: 0, published: 0, received: 0, refused: 0, dropped: 0,
  };
  readonly memory: AgentMemory;
  lastFault?: { kind: FaultKind; message: string; at: number };

  private instance?: EngineInstance;
  private timers = new Map<number, number>();
  private sensors: string[] = [];
  private sensorWatches = new Map<number, number>();
  private actuators: string[] = [];
  private unsubscribers: (() => void)[] = [];
  private readonly state = new Map<string, Uint8Array>();
  private stateBytes = 0;
  private readonly supervisor: Supervisor;
  private generation = 0;

  constructor(
    readonly loaded: LoadedModule,
    private readonly dev: DeviceServices,
  ) {
    this.memory = new AgentMemory(() => this.instance?.memory() ?? new Uint8Array(0));
    this.supervisor = new Supervisor(dev.policy);
  }

  get agent(): string {
    return this.loaded.manifest.name;
  }
  get manifest(): Manifest {
    return this.loaded.manifest;
  }
  /** where its data can come from: the sensors its manifest grants */
  get sensorAliases(): string[] {
    return (this.sensorAliasCache ??= this.manifest.capabilities.filter((c) => c.startsWith("sensor:")).map((c) => c.slice(7)));
  }
  private sensorAliasCache?: string[];

  get hasSnapshot(): boolean {
    return this.instance?.hasExport("snapshot") ?? false;
  }

  // ---- lifecycle ----

  /** Instantiates and runs init. Returns false if the agent faulted (and was scheduled for restart or quarantined). */
  start(restoreFrom?: Uint8Array): boolean {
    this.status = "starting";
    this.generation++;
    this.clearResources();
    try {
      const imports = linkImports(this.loaded.groups, this);
      this.instance = this.dev.engine.instantiate(this.loaded.module, ABI_MODULE, imports);
      const abi = this.instance.call("colony_abi");
      if (abi !== ABI_VERSION) return this.fault("abi", `module speaks ABI ${abi}, host speaks ${ABI_VERSION}`), false;
      if (!this.metered("init", () => this.instance!.call("init"))) return false;
      if (restoreFrom && !this.restore(restoreFrom)) return false;
    } catch (e) {
      if (e instanceof EngineTrap) return this.fault("init", e.message), false;
      throw e;
    }
    this.status = "running";
    this.dev.trace({ type: "start", agent: this.agent, text: `${this.agent}@${this.manifest.version} started (${this.loaded.wasmBytes} B wasm)`, data: { capabilities: this.manifest.capabilities } });
    return true;
  }

  stop(): void {
    this.status = "stopped";
    this.generation++;
    this.clearResources();
    this.instance = undefined;
  }

  private clearResources(): void {
    for (const h of this.timers.values()) this.dev.clock.cancel(h);
    for (const h of this.sensorWatches.values()) this.dev.clock.cancel(h);
    for (const u of this.unsubscribers) u();
    this.timers.clear();
    this.sensorWatches.clear();
    this.unsubscribers = [];
    this.sensors = [];
    this.actuators = [];
  }

  /** Runs `fn` with a fresh fuel budget; false if it faulted. */
  private metered(what: string, fn: () => number): boolean {
    const inst = this.instance!;
    const budget = this.loaded.fuelPerEvent;
    inst.setFuel(budget);
    let result: number;
    try {
      result = fn();
    } catch (e) {
      if (!(e instanceof EngineTrap)) throw e;
      this.account(what, budget, inst);
      if (inst.getFuel() < 0) {
        this.metrics.fuelExhausted++;
        this.fault("fuel", `${what}: fuel budget of ${budget} exhausted`);
      } else this.fault("trap", `${what}: ${e.message}`);
      return false;
    }
    this.account(what, budget, inst);
    if (result < 0 && what === "init") {
      this.fault("init", `init returned ${result}`);
      return false;
    }
    return true;
  }

  private account(what: string, budget: number, inst: EngineInstance): void {
    const used = budget - Math.max(0, inst.getFuel());
    this.metrics.memoryBytes = inst.memory().length;
    if (what === "init") {
      this.metrics.initFuel += used;
      return;
    }
    this.metrics.fuelUsed += used;
    if (used > this.metrics.fuelMaxPerEvent) this.metrics.fuelMaxPerEvent = used;
  }

  private fault(kind: FaultKind, message: string): void {
    this.metrics.faults++;
    const now = this.dev.clock.now();
    this.lastFault = { kind, message, at: now };
    this.clearResources();
    this.instance = undefined;
    this.dev.trace({ type: "fault", agent: this.agent, text: `${this.agent} faulted (${kind}): ${message}`, data: { kind } });
    const verdict = this.supervisor.onFault(now);
    if (verdict.action === "quarantine") {
      this.status = "quarantined";
      this.dev.trace({ type: "quarantine", agent: this.agent, text: `${this.agent} quarantined after ${verdict.faults} faults in ${this.dev.policy.windowMs / 1000} s` });
      return;
    }
    this.status = "restarting";
    const gen = ++this.generation;
    this.dev.clock.after(
      verdict.delayMs,
      () => {
        if (this.generation !== gen) return;
        this.metrics.restarts++;
        this.dev.trace({ type: "restart", agent: this.agent, text: `${this.agent} restarting after ${verdict.delayMs} ms` });
        this.start();
      },
      3,
    );
  }

  /** Delivers one event; dropped (and counted) unless the agent runs. */
  dispatch(kind: EventKindValue, payload: Uint8Array): void {
    const inst = this.instance;
    if (this.status !== "running" || !inst) {
      this.metrics.dropped++;
      return;
    }
    this.metrics.events++;
    this.metered(kind === EventKind.TIMER ? "timer" : kind === EventKind.MESSAGE ? "message" : "sensor", () => {
      const ptr = inst.call("colony_inbox", payload.length);
      this.memory.write(ptr, payload, "event payload");
      return inst.call("on_event", kind, ptr, payload.length);
    });
  }

  /** The agent's snapshot bytes (CBOR), or undefined if it has none. */
  snapshot(): Uint8Array | undefined {
    const inst = this.instance;
    if (!inst || !inst.hasExport("snapshot") || this.status !== "running") return undefined;
    let out: Uint8Array | undefined;
    this.metered("snapshot", () => {
      const desc = inst.call("snapshot");
      if (desc === 0) return 0;
      const d = new DataView(this.memory.bytes(desc, 8, "snapshot descriptor").slice().buffer);
      out = this.memory.copy(d.getUint32(0, true), d.getUint32(4, true), "snapshot");
      return 0;
    });
    return out;
  }

  restore(bytes: Uint8Array): boolean {
    const inst = this.instance;
    if (!inst || !inst.hasExport("restore")) return true;
    return this.metered("restore", () => {
      const ptr = inst.call("colony_inbox", bytes.length);
      this.memory.write(ptr, bytes, "restore payload");
      return inst.call("restore", ptr, bytes.length);
    });
  }

  // ---- AgentContext: what host functions do ----

  now(): number {
    return this.dev.clock.now();
  }

  setTimer(id: number, periodMs: number, repeat: boolean): number {
    if (periodMs < 1) return AbiError.INVALID;
    if (!this.timers.has(id) && this.timers.size >= MAX_TIMERS) return AbiError.NO_SPACE;
    this.cancelTimer(id);
    const payload = new Uint8Array(4);
    new DataView(payload.buffer).setInt32(0, id, true);
    const fire = () => {
      if (repeat) this.timers.set(id, this.dev.clock.after(periodMs, fire, 2));
      else this.timers.delete(id);
      this.dispatch(EventKind.TIMER, payload);
    };
    this.timers.set(id, this.dev.clock.after(periodMs, fire, 2));
    return 0;
  }

  cancelTimer(id: number): number {
    const h = this.timers.get(id);
    if (h === undefined) return AbiError.NOT_FOUND;
    this.dev.clock.cancel(h);
    this.timers.delete(id);
    return 0;
  }

  log(level: number, text: string): void {
    this.dev.trace({ type: "log", agent: this.agent, text, data: { level } });
  }

  openSensor(alias: string): number {
    if (!grantsNamed(this.manifest, "sensor", alias)) return this.refuse(`sensor "${alias}" (needs capability sensor:${alias})`);
    if (!this.dev.sensors.has(alias)) return AbiError.NOT_FOUND;
    this.sensors.push(alias);
    return this.sensors.length - 1;
  }

  readSensor(handle: number, out: Float32Array): number {
    const src = this.dev.sensors.get(this.sensors[handle] ?? "");
    if (!src) return AbiError.INVALID;
    src.read(this.dev.clock.now(), out);
    return out.length;
  }

  watchSensor(handle: number, periodMs: number): number {
    if (this.sensors[handle] === undefined) return AbiError.INVALID;
    const old = this.sensorWatches.get(handle);
    if (old !== undefined) this.dev.clock.cancel(old);
    this.sensorWatches.delete(handle);
    if (periodMs <= 0) return 0;
    const payload = new Uint8Array(4);
    new DataView(payload.buffer).setInt32(0, handle, true);
    const fire = () => {
      this.sensorWatches.set(handle, this.dev.clock.after(periodMs, fire, 1));
      this.dispatch(EventKind.SENSOR, payload);
    };
    this.sensorWatches.set(handle, this.dev.clock.after(periodMs, fire, 1));
    return 0;
  }

  openActuator(alias: string): number {
    if (!grantsNamed(this.manifest, "actuator", alias)) return this.refuse(`actuator "${alias}" (needs capability actuator:${alias})`);
    if (!this.dev.actuators.has(alias)) return AbiError.NOT_FOUND;
    this.actuators.push(alias);
    return this.actuators.length - 1;
  }

  writeActuator(handle: number, command: Uint8Array): number {
    const sink = this.dev.actuators.get(this.actuators[handle] ?? "");
    if (!sink) return AbiError.INVALID;
    let decoded: unknown;
    try {
      decoded = cborDecode(command);
    } catch {
      return AbiError.INVALID;
    }
    const why = this.dev.gate?.checkActuate?.({ device: this.dev.id, agent: this.agent, actuator: sink.alias, now: this.dev.clock.now() });
    if (why !== undefined) return this.refuse(why);
    const ok = sink.write({ atMs: this.dev.clock.now(), agent: this.agent, command: decoded });
    this.dev.trace({ type: "actuator", agent: this.agent, text: `${sink.alias} <- ${JSON.stringify(decoded)}`, data: { actuator: sink.alias, command: decoded } });
    return ok ? 0 : AbiError.IO;
  }

  invokeModel(name: string, input: Uint8Array, output: Uint8Array): number {
    if (!grantsNamed(this.manifest, "model", name)) return this.refuse(`model "${name}" (needs capability model:${name})`);
    if (!this.dev.models) return AbiError.NOT_FOUND;
    return this.dev.models.invoke(this, name, input, output);
  }

  publish(topic: string, body: Uint8Array, qos: number): number {
    if (!this.manifest.publish.includes(topic)) return this.refuse(`publish on "${topic}" (not in the manifest's publish list)`);
    if (body.length > MAX_MESSAGE_BYTES) return AbiError.NO_SPACE;
    const gate = this.dev.gate;
    if (gate) {
      const why = gate.checkPublish({ device: this.dev.id, agent: this.agent, topic, bytes: body.length, sensors: this.sensorAliases, now: this.dev.clock.now(), body });
      if (why !== undefined) return this.refuse(why);
    }
    this.metrics.published++;
    this.dev.publish(this, topic, body, qos === 1 ? 1 : 0);
    return 0;
  }

  subscribe(filter: string): number {
    if (!this.manifest.subscribe.some((f) => f === filter || topicMatches(f, filter.replace(/[+#]/g, "x"))))
      return this.refuse(`subscribe to "${filter}" (not in the manifest's subscribe list)`);
    const gen = this.generation;
    this.unsubscribers.push(
      this.dev.subscribe(filter, (topic, body, from) => {
        if (this.generation !== gen) return;
        this.deliver(topic, body, from);
      }),
    );
    return 0;
  }

  private deliver(topic: string, body: Uint8Array, from: string): void {
    const m = messagePayload(topic, body);
    if ("malformed" in m) {
      this.metrics.dropped++;
      this.dev.trace({ type: "dropped", agent: this.agent, text: `malformed message from ${from} on ${topic} dropped: ${m.malformed}` });
      return;
    }
    if ("tooLong" in m) return;
    this.metrics.received++;
    this.dispatch(EventKind.MESSAGE, m.payload);
  }

  stateGet(key: string): Uint8Array | undefined {
    return this.state.get(key);
  }

  stateSet(key: string, value: Uint8Array): number {
    if (value.length > STATE_LIMITS.valueBytes) return AbiError.NO_SPACE;
    const old = this.state.get(key);
    if (!old && this.state.size >= STATE_LIMITS.keys) return AbiError.NO_SPACE;
    const next = this.stateBytes - (old?.length ?? 0) + value.length;
    if (next > STATE_LIMITS.totalBytes) return AbiError.NO_SPACE;
    this.state.set(key, value);
    this.stateBytes = next;
    return 0;
  }

  stateDelete(key: string): number {
    const old = this.state.get(key);
    if (!old) return AbiError.NOT_FOUND;
    this.state.delete(key);
    this.stateBytes -= old.length;
    return 0;
  }

  randomFill(out: Uint8Array): void {
    this.dev.rng.fill(out);
  }

  walletId(): string | undefined {
    return this.dev.wallet?.account;
  }

  walletTx(kind: number, to: string, amount: number, ref: string, arbiter: string): number {
    const w = this.dev.wallet;
    if (!w) return AbiError.NOT_FOUND;
    return w.submit(this.agent, kind, to, amount, ref, arbiter);
  }

  walletStatus(handle: number): number {
    return this.dev.wallet?.status(handle) ?? AbiError.NOT_FOUND;
  }

  walletBalance(account: string): number {
    const w = this.dev.wallet;
    return w ? w.balance(account === "" ? w.account : account) : NaN;
  }

  private refuse(what: string): number {
    this.metrics.refused++;
    this.dev.trace({ type: "refused", agent: this.agent, text: `${this.agent} refused: ${what}` });
    return AbiError.DENIED;
  }
}
