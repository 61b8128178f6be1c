// Transport and coordination benchmarks (issue 4). Loopback only, bounded loops.
// Throughput: one publisher, one subscriber, QoS 0, 64-byte payloads, until all arrive or a
// time limit. Latency: one message in flight at a time, publish -> delivery, p50/p99.
// Run: npx tsx -e "import('./bench/net.ts').then(async m=>console.table(await m.run()))"
import mqtt from "mqtt";
import { spawn } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { VirtualClock } from "../host/kernel/scheduler.ts";
import { Contractor, CoordNode, Manager } from "../host/coordination/index.ts";
import { EmbeddedBroker } from "../host/net/broker.ts";
import { InProcessBus, InProcessTransport } from "../host/net/inproc/index.ts";
import { KeyRing, deviceKeyFromSeed } from "../host/net/keys.ts";
import { MqttSnClient, MqttSnGateway } from "../host/net/mqttsn/index.ts";
import type { Transport } from "../host/net/transport.ts";
import { MqttTransport } from "../host/net/mqtt/index.ts";

export type BenchResult = { name: string; value: number; unit: string; note?: string };

const N = 40_000;
const LAT_N = 1000;
const LIMIT_MS = 20_000;
const WINDOW = 1000;
/** Interleaved rounds for the throughputs compared with each other. */
const ROUNDS = 3;
const PAYLOAD = new Uint8Array(64).fill(0x5a);

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
}
const round = (x: number, d = 1) => Math.round(x * 10 ** d) / 10 ** d;

interface Measured {
  rate: number;
  received: number;
  p50: number;
  p99: number;
}

/** A publisher and a subscriber on one topic, connected and ready to measure. */
interface Pair {
  pub: (p: Uint8Array) => void | Promise<void>;
  /** Messages received since the pair was made. */
  readonly got: number;
  onArrive?: () => void;
  close(): Promise<void>;
}

async function pairOf(a: Transport, b: Transport, cleanup: () => Promise<void> = async () => {}): Promise<Pair> {
  const topic = `bench/${process.pid}/${Date.now()}/${Math.random().toString(16).slice(2)}`;
  const pair: Pair & { got: number } = {
    got: 0,
    pub: (p) => a.publish(topic, p, { qos: 0 }),
    close: async () => {
      await a.close();
      await b.close();
      await cleanup();
    },
  };
  await b.subscribe(topic, () => {
    pair.got++;
    pair.onArrive?.();
  });
  await new Promise((r) => setTimeout(r, 100));
  return pair;
}

/** p50/p99 with one message in flight. */
async function latency(pair: Pair): Promise<{ p50: number; p99: number }> {
  const lats: number[] = [];
  for (let i = 0; i < LAT_N; i++) {
    const t0 = performance.now();
    const arrived = new Promise<void>((r) => (pair.onArrive = r));
    await pair.pub(PAYLOAD);
    const ok = await Promise.race([arrived.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 1000))]);
    if (ok) lats.push(performance.now() - t0);
  }
  pair.onArrive = undefined;
  return { p50: pct(lats, 50), p99: pct(lats, 99) };
}

/** Messages per second for N messages, at most WINDOW in flight. */
async function throughput(pair: Pair): Promise<{ rate: number; received: number }> {
  // Let the previous round's stragglers land first.
  for (let last = -1; last !== pair.got; ) {
    last = pair.got;
    await new Promise((r) => setTimeout(r, 50));
  }
  const base = pair.got;
  const t0 = performance.now();
  // At most WINDOW messages in flight: QoS 0 over UDP has no flow control, and a sender that
  // outruns the receiver measures its socket buffer, not the transport.
  for (let i = 0; i < N; i++) {
    await pair.pub(PAYLOAD);
    while (i + 1 - (pair.got - base) > WINDOW && performance.now() - t0 < LIMIT_MS) await new Promise((r) => setImmediate(r));
  }
  while (pair.got - base < N && performance.now() - t0 < LIMIT_MS) await new Promise((r) => setTimeout(r, 2));
  const got = pair.got - base;
  return { rate: got / ((performance.now() - t0) / 1000), received: got };
}

async function measureOnce(pair: Pair): Promise<Measured> {
  try {
    return { ...(await latency(pair)), ...(await throughput(pair)) };
  } finally {
    await pair.close();
  }
}

/**
 * The pairs whose throughputs are compared, measured in interleaved rounds, best round each:
 * on a shared 2-core machine another process's burst would otherwise land on one of them.
 */
async function measureInterleaved(pairs: Pair[], rounds: number): Promise<Measured[]> {
  const out: Measured[] = [];
  for (const p of pairs) out.push({ ...(await latency(p)), rate: 0, received: 0 });
  for (let r = 0; r < rounds; r++)
    for (const [i, p] of pairs.entries()) {
      const t = await throughput(p);
      if (t.rate > out[i]!.rate) Object.assign(out[i]!, t);
    }
  return out;
}

function rows(name: string, m: Measured, rounds = 1): BenchResult[] {
  return [
    { name: `${name}: throughput`, value: Math.round(m.rate), unit: "msg/s", note: `QoS 0, 64 B, ${m.received}/${N} received, <= ${WINDOW} in flight${rounds > 1 ? `, best of ${rounds} interleaved rounds` : ""}` },
    { name: `${name}: latency p50`, value: round(m.p50, 3), unit: "ms", note: "one in flight" },
    { name: `${name}: latency p99`, value: round(m.p99, 3), unit: "ms" },
  ];
}

async function mqttPair(url: string): Promise<Pair> {
  const tag = `${process.pid}${Date.now() % 1e6}${Math.floor(Math.random() * 1e3)}`;
  const a = new MqttTransport({ name: `bpa${tag}`, url, persistent: false });
  const b = new MqttTransport({ name: `bpb${tag}`, url, persistent: false });
  await a.connect();
  await b.connect();
  return pairOf(a, b);
}

function inProcess(): BenchResult[] {
  const clock = new VirtualClock();
  const bus = new InProcessBus(clock, { latency: 1 });
  const a = new InProcessTransport(bus, { name: "a" });
  const b = new InProcessTransport(bus, { name: "b" });
  void a.connect();
  void b.connect();
  let got = 0;
  void b.subscribe("bench/x", () => got++);
  const lats: number[] = [];
  for (let i = 0; i < LAT_N; i++) {
    const t0 = performance.now();
    a.publishSync("bench/x", PAYLOAD);
    clock.runAll();
    lats.push(performance.now() - t0);
  }
  got = 0;
  const t0 = performance.now();
  for (let i = 0; i < N * 5; i++) a.publishSync("bench/x", PAYLOAD);
  clock.runAll();
  const secs = (performance.now() - t0) / 1000;
  return rows("in-process bus", { rate: got / secs, received: got / 5, p50: pct(lats, 50), p99: pct(lats, 99) }).map((r) =>
    r.name.endsWith("throughput") ? { ...r, note: `QoS 0, 64 B, ${got} delivered, wall clock (virtual latency 1 ms not waited)` } : { ...r, note: "wall clock per publish + delivery" },
  );
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => {
      const a = s.address();
      s.close(() => resolve(typeof a === "object" && a ? a.port : 0));
    });
  });
}

async function startMosquitto(): Promise<{ url: string; stop: () => Promise<void> } | undefined> {
  const bin = ["/usr/sbin/mosquitto", "/usr/bin/mosquitto"].find((b) => existsSync(b));
  if (!bin) return undefined;
  const dir = mkdtempSync(join(tmpdir(), "colony-bench-mosq-"));
  chmodSync(dir, 0o777);
  const port = await freePort();
  writeFileSync(join(dir, "m.conf"), `listener ${port} 127.0.0.1\nallow_anonymous true\nlog_dest none\n`);
  const proc = spawn(bin, ["-c", join(dir, "m.conf")], { stdio: "ignore" });
  const url = `mqtt://127.0.0.1:${port}`;
  for (let i = 0; i < 100; i++) {
    try {
      const c = await mqtt.connectAsync(url, { reconnectPeriod: 0, connectTimeout: 200 });
      await c.endAsync();
      break;
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  return {
    url,
    stop: async () => {
      const exited = new Promise((r) => proc.once("exit", r));
      proc.kill("SIGTERM");
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function gatewayPair(url: string): Promise<Pair> {
  const gw = new MqttSnGateway({ brokerUrl: url, log: () => undefined });
  await gw.start();
  const tag = `${process.pid}${Date.now() % 1e6}`;
  const sn = new MqttSnClient({ name: `bsn${tag}`, gateway: { port: gw.port }, persistent: false, log: () => undefined });
  const sub = new MqttTransport({ name: `bsub${tag}`, url, persistent: false });
  await sn.connect();
  await sub.connect();
  return pairOf(sn, sub, () => gw.stop());
}

/** The gateway as deployed: its own process (`colony gateway`), like Mosquitto. */
async function gatewayProcessPair(url: string): Promise<Pair> {
  const proc = spawn(process.execPath, [join(import.meta.dirname, "..", "bin", "colony.js"), "gateway", "--udp", "0", "--broker", url], { stdio: ["ignore", "pipe", "ignore"] });
  const stop = async () => {
    if (proc.exitCode !== null) return;
    const exited = new Promise((r) => proc.once("exit", r));
    proc.kill("SIGTERM");
    await exited;
  };
  try {
    let out = "";
    proc.stdout.on("data", (d: Buffer) => (out += d.toString()));
    const t0 = performance.now();
    while (!/udp 127\.0\.0\.1:(\d+)/.test(out)) {
      if (performance.now() - t0 > 20_000 || proc.exitCode !== null) throw new Error(`colony gateway did not start: ${out}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    const port = Number(/udp 127\.0\.0\.1:(\d+)/.exec(out)![1]);
    const tag = `${process.pid}${Date.now() % 1e6}`;
    const sn = new MqttSnClient({ name: `bsp${tag}`, gateway: { port }, persistent: false, log: () => undefined });
    const sub = new MqttTransport({ name: `bsq${tag}`, url, persistent: false });
    await sn.connect();
    await sub.connect();
    return pairOf(sn, sub, stop);
  } catch (e) {
    await stop();
    throw e;
  }
}

/** Wall-clock time to run one auction with `n` bidders on the in-process bus (virtual time). */
function contractNet(n: number): BenchResult {
  const clock = new VirtualClock();
  const bus = new InProcessBus(clock, { latency: 2, jitter: 3 });
  const ring = new KeyRing();
  const mk = (i: number) => {
    const id = `n${i}`;
    const seed = new Uint8Array(32);
    seed[0] = i & 255;
    seed[1] = i >> 8;
    const key = deviceKeyFromSeed(id, seed);
    ring.add(id, key.publicKey);
    const t = new InProcessTransport(bus, { name: id });
    void t.connect();
    return new CoordNode({ transport: t, clock, key, keys: ring, site: "bench", log: () => undefined });
  };
  const mgrNode = mk(0);
  const nodes = Array.from({ length: n }, (_, i) => mk(i + 1));
  const manager = new Manager(mgrNode, { bidWindow: 100 });
  manager.start();
  for (const [i, node] of nodes.entries()) new Contractor(node, { capabilities: ["x"], bid: () => ({ cost: (i * 7919) % 1000, eta: 10 }), perform: (_j, ctl) => ctl.done() }).start();
  clock.runUntil(10);
  const t0 = performance.now();
  const v0 = clock.now();
  const task = manager.announce({ id: "t", capability: "x", deadline: clock.now() + 10_000 });
  clock.runUntil(clock.now() + 1000, () => task.state !== "bidding");
  const wall = performance.now() - t0;
  return { name: `contract-net: time to award, ${n} bidders`, value: round(wall, 1), unit: "ms", note: `wall clock to simulate; ${task.bids.size} bids, awarded at virtual +${round(clock.now() - v0, 0)} ms (bid window 100 ms)` };
}

export async function run(): Promise<BenchResult[]> {
  const out: BenchResult[] = [];
  out.push(...inProcess());
  const aedes = await EmbeddedBroker.start();
  try {
    out.push(...rows("MQTT via embedded aedes", await measureOnce(await mqttPair(aedes.url))));
  } finally {
    await aedes.stop();
  }
  const mosq = await startMosquitto();
  if (mosq) {
    const pairs: Pair[] = [];
    try {
      pairs.push(await mqttPair(mosq.url), await gatewayPair(mosq.url), await gatewayProcessPair(mosq.url));
      const [direct, viaGw, viaProc] = (await measureInterleaved(pairs, ROUNDS)) as [Measured, Measured, Measured];
      out.push(...rows("MQTT via Mosquitto", direct, ROUNDS));
      out.push(...rows("MQTT-SN via in-process gateway to Mosquitto", viaGw, ROUNDS));
      out.push({ name: "MQTT-SN in-process gateway / direct MQTT throughput", value: round(viaGw.rate / direct.rate, 3), unit: "ratio", note: "goal: > 0.8 (gateway costs < 20%); client, gateway, subscriber share one thread" });
      out.push(...rows("MQTT-SN via `colony gateway` process to Mosquitto", viaProc, ROUNDS));
      out.push({ name: "MQTT-SN gateway process / direct MQTT throughput", value: round(viaProc.rate / direct.rate, 3), unit: "ratio", note: "goal: > 0.8; 3 processes on 2 cores" });
    } finally {
      for (const p of pairs) await p.close();
      await mosq.stop();
    }
  } else {
    out.push({ name: "MQTT via Mosquitto", value: NaN, unit: "msg/s", note: "mosquitto not installed" });
  }
  for (const n of [10, 100, 1000]) out.push(contractNet(n));
  return out;
}
