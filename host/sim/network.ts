// How the simulated devices reach each other. "local": the kernel's in-process
// bus on the virtual clock (fast, the default). "sealed": the same clock, but
// through host/net's in-process transport with every message signed and
// checked (Ed25519 envelopes, replay windows) and its network model. "mqtt":
// real time, every device its own MQTT connection to a broker (the embedded
// aedes when no URL is given), messages sealed the same way.
import { createHash } from "node:crypto";
import { LocalBus, type BusMessage, type BusPort, type Clock } from "../kernel/index.ts";
import { deviceKeyFromSeed, EmbeddedBroker, InProcessBus, KeyRing, SealedBusPort, createTransport, type Transport } from "../net/index.ts";

export type NetworkKind = "local" | "sealed" | "mqtt";

export interface Network {
  portFor(device: string): Promise<BusPort>;
  readonly published: number;
  readonly delivered: number;
  /** Messages refused by envelope checks, by problem. */
  refused(): Record<string, number>;
  close(): Promise<void>;
}

/** Counts what crosses a port, whatever is behind it. */
class CountingPort implements BusPort {
  constructor(
    private readonly inner: BusPort,
    private readonly counts: { published: number; delivered: number },
  ) {}
  publish(msg: BusMessage): void {
    this.counts.published++;
    this.inner.publish(msg);
  }
  subscribe(filter: string, deliver: (msg: BusMessage) => void): () => void {
    return this.inner.subscribe(filter, (m) => {
      this.counts.delivered++;
      deliver(m);
    });
  }
}

export interface NetworkOptions {
  kind: NetworkKind;
  clock: Clock;
  latencyMs: number;
  loss?: number;
  seed: number;
  deviceIds: string[];
  /** broker URL for "mqtt"; the embedded broker when absent */
  brokerUrl?: string;
  log?: (line: string) => void;
}

export async function createNetwork(o: NetworkOptions): Promise<Network> {
  const counts = { published: 0, delivered: 0 };
  if (o.kind === "local") {
    const bus = new LocalBus(o.clock, o.latencyMs);
    return {
      portFor: async () => new CountingPort(bus, counts),
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
  // every device's key derives from the scenario seed and its id: reproducible runs, distinct keys
  const ring = new KeyRing();
  const keys = new Map(
    o.deviceIds.map((id) => {
      const k = deviceKeyFromSeed(id, createHash("sha256").update(`colony-sim/${o.seed}/${id}`).digest());
      ring.add(id, k.publicKey);
      return [id, k];
    }),
  );
  const broker = o.kind === "mqtt" && !o.brokerUrl ? await EmbeddedBroker.start() : undefined;
  const url = o.brokerUrl ?? broker?.url;
  const bus = o.kind === "sealed" ? new InProcessBus(o.clock, { latency: o.latencyMs, loss: o.loss ?? 0 }, o.seed) : undefined;
  const transports: Transport[] = [];
  const ports: SealedBusPort[] = [];
  return {
    async portFor(device) {
      const t = createTransport(bus ? { kind: "inproc", bus } : { kind: "mqtt", url: url! }, { name: device });
      await t.connect();
      transports.push(t);
      const port = new SealedBusPort({ transport: t, clock: o.clock, key: keys.get(device)!, keys: ring, ...(o.log ? { log: o.log } : {}) });
      ports.push(port);
      return new CountingPort(port, counts);
    },
    get published() {
      return counts.published;
    },
    get delivered() {
      return counts.delivered;
    },
    refused() {
      const all: Record<string, number> = {};
      for (const p of ports) for (const [k, v] of p.refused) all[k] = (all[k] ?? 0) + v;
      return all;
    },
    async close() {
      await Promise.all(transports.map((t) => t.close().catch(() => {})));
      await broker?.stop();
    },
  };
}
