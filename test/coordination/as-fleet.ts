// AssemblyScript agents on simulated devices over the sealed in-process network: each device has
// a kernel Device whose bus is a CoordBusPort on its CoordNode, so agents and host protocols on
// the device share one sealer. The agents in ./agents are built here (global setup builds only
// test/kernel/agents).
import { readFileSync } from "node:fs";
import path from "node:path";
import { buildAgents } from "../../host/compile/index.ts";
import { CoordBusPort, CoordNode } from "../../host/coordination/index.ts";
import { V8Engine } from "../../host/engines/index.ts";
import { Device, loadBoard, parseManifest, VirtualClock, type TraceEvent } from "../../host/kernel/index.ts";
import { cborEncode } from "../../host/net/cbor.ts";
import { InProcessBus, InProcessTransport, type NetworkModel } from "../../host/net/inproc/index.ts";
import { KeyRing } from "../../host/net/keys.ts";
import type { Will } from "../../host/net/transport.ts";
import { keyFor, SITE } from "./fleet.ts";

const ROOT = path.resolve(import.meta.dirname, "../..");
const OUT = path.join(ROOT, "build/test-coord-agents");

export async function buildCoordAgents(): Promise<void> {
  await buildAgents({ root: ROOT, agentsDir: "test/coordination/agents", outDir: OUT });
}

export interface AsDevice {
  id: string;
  node: CoordNode;
  port: CoordBusPort;
  dev: Device;
  transport: InProcessTransport;
}

/** An agent's files from the build of ./agents. */
export function agentFiles(agent: string) {
  const wasm = new Uint8Array(readFileSync(path.join(OUT, `${agent}.wasm`)));
  const manifest = parseManifest(readFileSync(path.join(OUT, `${agent}.json`), "utf8"), agent);
  return { wasm, manifest };
}

/** The last body each device's agents published on each test/ topic, and all of them in order. */
export interface Reports {
  last: Map<string, Record<string, unknown>>;
  all: { t: number; device: string; topic: string; body: Record<string, unknown> }[];
}

export function asFleet(model: Partial<NetworkModel> = {}, seed = 1) {
  const clock = new VirtualClock();
  const bus = new InProcessBus(clock, { latency: 2, jitter: 3, keepAlive: 60_000, ...model }, seed);
  const ring = new KeyRing();
  const engine = new V8Engine();
  const board = loadBoard("esp32-devkitc");
  const reports: Reports = { last: new Map(), all: [] };
  const sink = (e: TraceEvent) => {
    if (e.type !== "publish" || !e.data) return;
    const d = e.data as { topic?: string; body?: Record<string, unknown> };
    if (!d.topic?.startsWith("test/") || !d.body) return;
    reports.last.set(`${e.device}/${d.topic}`, d.body);
    reports.all.push({ t: e.t, device: e.device, topic: d.topic, body: d.body });
  };
  let n = 0;
  async function node(id: string, will?: (key: ReturnType<typeof keyFor>) => Will) {
    const key = keyFor(100 + n++, id);
    ring.add(id, key.publicKey);
    const transport = new InProcessTransport(bus, { name: id, queueLimit: 10_000, ...(will ? { will: will(key) } : {}) });
    await transport.connect();
    const coord = new CoordNode({ transport, clock, key, keys: ring, site: SITE, log: () => undefined });
    return { id, key, transport, node: coord };
  }
  async function device(id: string): Promise<AsDevice> {
    const { transport, node: coord } = await node(id);
    const port = new CoordBusPort(coord);
    const dev = new Device({ id, site: SITE, board, clock, bus: port, engine, seed, trace: sink, traceBodies: ["test/#"] });
    return { id, node: coord, port, dev, transport };
  }
  function install(d: AsDevice, agent: string, config: Record<string, unknown> = {}): void {
    const { wasm, manifest } = agentFiles(agent);
    d.dev.install(wasm, manifest, new Map([["config", cborEncode(config)]]));
  }
  /** The device's process dies: agents stop, the link drops, its will (if any) goes out. */
  function kill(d: AsDevice): void {
    d.dev.stop();
    bus.crash(d.id);
  }
  return { clock, bus, ring, reports, node, device, install, kill };
}
