// A device: a board running agents. It owns the memory budget, the hardware
// aliases, the device's RNG and its connection to the bus.
import { decode as cborDecode } from "cbor-x";
import type { Engine } from "../engines/index.ts";
import { hashString, Rng, type ActuatorSink, type SensorSource } from "../hal/index.ts";
import { RunningAgent } from "./agent.ts";
import type { BoardProfile } from "./boards.ts";
import { siteTopic, type BusPort } from "./bus.ts";
import { LoadError } from "./errors.ts";
import { loadModule, PAGE_BYTES } from "./loader.ts";
import { topicMatches, type Manifest } from "./manifest.ts";
import { Priority, type Clock } from "./scheduler.ts";
import type { DeviceServices, ModelBinding, WalletPort } from "./services.ts";
import { DEFAULT_POLICY, type SupervisorPolicy } from "./supervisor.ts";
import type { TraceEvent, TraceSink } from "./trace.ts";
import type { PublishGate } from "./gate.ts";

export interface DeviceOptions {
  id: string;
  site: string;
  board: BoardProfile;
  clock: Clock;
  bus: BusPort;
  engine: Engine;
  seed?: number;
  sensors?: SensorSource[];
  actuators?: ActuatorSink[];
  models?: ModelBinding;
  policy?: SupervisorPolicy;
  trace?: TraceSink;
  /** put the decoded body of publishes on these topic filters into the trace (for reports) */
  traceBodies?: string[];
  /** but not of publishes on these (a big fleet's chatter, counted rather than kept) */
  traceBodiesExcept?: string[];
  /** the site's policy on what may leave the device */
  gate?: PublishGate;
  /** the device's wallet (its signing key stays in there) */
  wallet?: WalletPort;
}

export class Device implements DeviceServices {
  readonly id: string;
  readonly site: string;
  readonly board: BoardProfile;
  readonly clock: Clock;
  readonly engine: Engine;
  readonly rng: Rng;
  readonly policy: SupervisorPolicy;
  readonly sensors: Map<string, SensorSource>;
  readonly actuators: Map<string, ActuatorSink>;
  readonly models?: ModelBinding;
  readonly agents = new Map<string, RunningAgent>();
  readonly gate?: PublishGate;
  readonly wallet?: WalletPort;
  private readonly bus: BusPort;
  private readonly sink?: TraceSink;
  private readonly traceBodies: string[];
  private readonly traceBodiesExcept: string[];
  private seq = 0;
  /** this device's own subscriptions, for topics the site keeps on the device */
  private readonly localSubs: { filter: string; deliver: (topic: string, body: Uint8Array, from: string) => void }[] = [];
  /** bytes this device sent and received on the bus (bodies and topics) */
  bytesOut = 0;
  bytesIn = 0;

  constructor(o: DeviceOptions) {
    this.id = o.id;
    this.site = o.site;
    this.board = o.board;
    this.clock = o.clock;
    this.bus = o.bus;
    this.engine = o.engine;
    this.rng = new Rng(((o.seed ?? 1) ^ hashString(o.id)) >>> 0);
    this.policy = o.policy ?? DEFAULT_POLICY;
    this.sensors = new Map((o.sensors ?? []).map((s) => [s.alias, s]));
    this.actuators = new Map((o.actuators ?? []).map((a) => [a.alias, a]));
    this.models = o.models;
    if (o.gate) this.gate = o.gate;
    if (o.wallet) this.wallet = o.wallet;
    this.sink = o.trace;
    this.traceBodies = o.traceBodies ?? [];
    this.traceBodiesExcept = o.traceBodiesExcept ?? [];
  }

  /** Linear memory promised to installed agents. */
  get memoryReserved(): number {
    let total = 0;
    for (const a of this.agents.values()) total += a.manifest.resources.memoryPages * PAGE_BYTES;
    return total;
  }

  /** Loads and starts an agent; throws LoadError when it cannot run here. `state` presets its key-value store (e.g. "config"). */
  install(wasm: Uint8Array, manifest: Manifest, state?: ReadonlyMap<string, Uint8Array>): RunningAgent {
    if (this.agents.has(manifest.name)) throw new LoadError(manifest.name, `already installed on ${this.id}`);
    const want = manifest.resources.memoryPages * PAGE_BYTES;
    const free = this.board.agentMemoryBytes - this.memoryReserved;
    if (want > free)
      throw new LoadError(manifest.name, `needs ${want} bytes of agent memory but ${this.id} (${this.board.name}) has ${free} of ${this.board.agentMemoryBytes} free`);
    const loaded = loadModule(wasm, manifest, this.board, this.engine);
    const agent = new RunningAgent(loaded, this);
    for (const [k, v] of state ?? []) if (agent.stateSet(k, v) < 0) throw new LoadError(manifest.name, `preset state "${k}" (${v.length} B) does not fit the state quota`);
    this.agents.set(manifest.name, agent);
    agent.start();
    return agent;
  }

  uninstall(name: string): void {
    this.agents.get(name)?.stop();
    this.agents.delete(name);
  }

  trace(e: Omit<TraceEvent, "t" | "device">): void {
    this.sink?.({ t: this.clock.now(), device: this.id, ...e });
  }

  publish(agent: RunningAgent, topic: string, body: Uint8Array, qos: 0 | 1): void {
    const from = `${this.id}/${agent.agent}`;
    this.seq++;
    this.bytesOut += body.length + topic.length;
    const data: Record<string, unknown> = { topic, bytes: body.length };
    if (this.sink && this.traceBodies.some((f) => topicMatches(f, topic)) && !this.traceBodiesExcept.some((f) => topicMatches(f, topic))) {
      try {
        data.body = cborDecode(body);
      } catch {
        data.body = null;
      }
    }
    if (this.gate?.localOnly?.(topic)) {
      // kept on the device: its own subscribers get it on the next turn, as from the bus, and nothing is sent
      data.local = true;
      this.bytesOut -= body.length + topic.length;
      this.trace({ type: "publish", agent: agent.agent, text: `${topic} (${body.length} B, local only)`, data });
      for (const s of this.localSubs) if (topicMatches(s.filter, topic)) this.clock.after(0, () => s.deliver(topic, body, from), Priority.NET);
      return;
    }
    this.trace({ type: "publish", agent: agent.agent, text: `${topic} (${body.length} B)`, data });
    this.bus.publish({ topic: siteTopic(this.site, topic), from, body, qos });
  }

  subscribe(filter: string, deliver: (topic: string, body: Uint8Array, from: string) => void): () => void {
    const prefix = siteTopic(this.site, "");
    const local = { filter, deliver };
    this.localSubs.push(local);
    const off = this.bus.subscribe(siteTopic(this.site, filter), (m) => {
      this.bytesIn += m.body.length + m.topic.length;
      deliver(m.topic.slice(prefix.length), m.body, m.from);
    });
    return () => {
      const i = this.localSubs.indexOf(local);
      if (i >= 0) this.localSubs.splice(i, 1);
      off();
    };
  }

  stop(): void {
    for (const a of this.agents.values()) a.stop();
  }
}
