// How the simulated devices reach each other. "local": the kernel's in-process
// bus on the virtual clock (fast, the default). "sealed": the same clock, but
// through host/net's in-process transport with every message signed and
// checked (Ed25519 envelopes, replay windows) and its network model. "mqtt":
// real time, every device its own MQTT connection to a broker (the embedded
// aedes when no URL is given), messages sealed the same way.
import { LocalBus, VirtualClock, type BusMessage, type BusPort, type Clock } from "../kernel/index.ts";
import type { BusLink } from "./bus-link.ts";
import { CoordBusPort, CoordNode } from "../coordination/index.ts";
import { deviceKeyFromSeed, EmbeddedBroker, InProcessBus, KeyRing, createTransport, simDeviceSeed, type Transport } from "../net/index.ts";

export type NetworkKind = "local" | "sealed" | "mqtt";

export interface Network {
  portFor(device: string): Promise<BusPort>;
  readonly published: number;
  readonly delivered: number;
  readonly latencies: number[];
  /** Messages refused by envelope checks, by problem. */
  refused(): Record<string, number>;
  close(): Promise<void>;
  /** the broker the devices use (mqtt networks only) */
  readonly brokerUrl?: string;
}

interface Counts {
  published: number;
  delivered: number;
  /** delivery latencies in ms, publish to delivery */
  latencies: number[];
}

/** Counts and times what crosses a port, whatever is behind it. */
class CountingPort implements BusPort {
  constructor(
    private readonly inner: BusPort,
    private readonly counts: Counts,
    private readonly clock: Clock,
  ) {}
  publish(msg: BusMessage): void {
    this.counts.published++;
    this.inner.publish({ ...msg, sentAt: this.clock.now() });
  }
  subscribe(filter: string, deliver: (msg: BusMessage) => void): () => void {
    return this.inner.subscribe(filter, (m) => {
      this.counts.delivered++;
      if (m.sentAt !== undefined && this.counts.latencies.length < 1_000_000) this.counts.latencies.push(this.clock.now() - m.sentAt);
      deliver(m);
    });
  }
}

/** p50, p99 and max of the latencies, ms. */
export function latencyStats(xs: number[]): { p50: number; p99: number; max: number; count: number } {
  if (xs.length === 0) return { p50: 0, p99: 0, max: 0, count: 0 };
  const s = [...xs].sort((a, b) => a - b);
  const q = (p: number) => +s[Math.min(s.length - 1, Math.floor(p * s.length))]!.toFixed(3);
  return { p50: q(0.5), p99: q(0.99), max: +s[s.length - 1]!.toFixed(3), count: s.length };
}

export interface NetworkOptions {
  kind: NetworkKind;
  clock: Clock;
  latencyMs: number;
  loss?: number;
  seed: number;
  /** the scenario's site: topics are colony/<site>/... */
  site: string;
  deviceIds: string[];
  /** broker URL for "mqtt"; the embedded broker when absent */
  brokerUrl?: string;
  /** "local" only: the bus joined to other simulator processes' (a cluster shard) */
  link?: BusLink;
  log?: (line: string) => void;
}

export async function createNetwork(o: NetworkOptions): Promise<Network> {
  const counts: Counts = { published: 0, delivered: 0, latencies: [] };
  if (o.kind === "local") {
    const local = new LocalBus(o.clock, o.latencyMs);
    if (o.link && !(o.clock instanceof VirtualClock)) throw new Error("a linked bus runs on the virtual clock");
    const bus = o.link ? o.link.attach(local, o.clock as VirtualClock) : local;
    return {
      portFor: async () => new CountingPort(bus, counts, o.clock),
      latencies: counts.latencies,
      get published() {
        return counts.published;
      },
      get delivered() {
        return counts.delivered;
      },
      refused: () => ({}),
      close: async () => {},
    };
  }
  // Every simulated device's key derives from the run's seed and its id: runs are reproducible,
  // and several simulator processes on one broker (same seed) verify each other's devices.
  // A real fleet provisions keys instead.
  if (o.link) throw new Error(`a cluster shard runs on the local network, not "${o.kind}"`);
  const derive = (id: string) => deviceKeyFromSeed(id, simDeviceSeed(o.seed, id));
  const ring = new KeyRing((id) => (/^[A-Za-z0-9][A-Za-z0-9_-]*$/.test(id) ? derive(id).publicKey : undefined));
  const keys = new Map(o.deviceIds.map((id) => [id, derive(id)]));
  const broker = o.kind === "mqtt" && !o.brokerUrl ? await EmbeddedBroker.start() : undefined;
  const url = o.brokerUrl ?? broker?.url;
  const bus = o.kind === "sealed" ? new InProcessBus(o.clock, { latency: o.latencyMs, loss: o.loss ?? 0 }, o.seed) : undefined;
  const transports: Transport[] = [];
  const ports: { port: CoordBusPort; node: CoordNode }[] = [];
  return {
    ...(url ? { brokerUrl: url } : {}),
    async portFor(device) {
      const t = createTransport(bus ? { kind: "inproc", bus } : { kind: "mqtt", url: url! }, { name: device });
      await t.connect();
      transports.push(t);
      // Agents' own topics travel as bus.msg envelopes; on coord/ they speak the host protocols.
      const node = new CoordNode({ transport: t, clock: o.clock, key: keys.get(device)!, keys: ring, site: o.site, ...(o.log ? { log: o.log } : {}) });
      const port = new CoordBusPort(node);
      ports.push({ port, node });
      return new CountingPort(port, counts, o.clock);
    },
    latencies: counts.latencies,
    get published() {
      return counts.published;
    },
    get delivered() {
      return counts.delivered;
    },
    refused() {
      const all: Record<string, number> = {};
      const add = (k: string, v: number) => (all[k] = (all[k] ?? 0) + v);
      for (const { port, node } of ports) {
        for (const [k, v] of port.refused) add(k, v);
        for (const [k, v] of Object.entries(node.refused)) add(k, v);
      }
      return all;
    },
    async close() {
      await Promise.all(transports.map((t) => t.close().catch(() => {})));
      await broker?.stop();
    },
  };
}
