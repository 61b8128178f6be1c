// Scheduler figures: deadline-miss rate of Colony's scheduler (EDF + admission + placement with
// offload + regulation) against FIFO and local-only on the production line's load sweep (the same
// seeded arrivals for every policy, five seeds, 120 s each, the cost model of the real models);
// energy per inference against local-only; and the offload's overhead on a real bus: round trips
// of KWS offloads to a peer's NPU through the embedded broker (aedes) minus the peer's compute time.
import { readFileSync } from "node:fs";
import path from "node:path";
import { EmbeddedBroker, MqttTransport } from "../host/net/index.ts";
import { loadBoard } from "../host/kernel/index.ts";
import { LINE_MODELS, OffloadClient, OffloadServer, POLICIES, productionLineDevices, productionLineEvents, runSweep, type Policy } from "../host/sched/index.ts";
import { compileModel, ModelService, type CompiledModel } from "../host/tinyml/index.ts";
import type { BenchResult } from "./types.ts";

const ROOT = path.resolve(import.meta.dirname, "..");
const SEEDS = [1, 2, 3, 4, 5];
const DURATION_MS = 120_000;
const LOADS = [1, 2, 4];
const OFFLOADS = 300;

const pct = (x: number) => Math.round(x * 10000) / 100;

/** Miss rate and energy per inference over all seeds, per policy and load. */
export function sweepFigures(models: Record<string, CompiledModel>): Map<string, { missRate: number; energyUj: number; requests: number }> {
  const out = new Map<string, { missRate: number; energyUj: number; requests: number }>();
  for (const load of LOADS) {
    for (const policy of POLICIES) {
      let req = 0, onTime = 0, energy = 0, ran = 0;
      for (const seed of SEEDS) {
        const r = runSweep({ devices: productionLineDevices(), models, durationMs: DURATION_MS, load, policy, seed, events: productionLineEvents(DURATION_MS) });
        req += r.requests;
        onTime += r.onTime;
        energy += r.totalEnergyUj;
        ran += r.onTime + r.late;
      }
      out.set(`${policy}@${load}`, { missRate: (req - onTime) / req, energyUj: energy / ran, requests: req });
    }
  }
  return out;
}

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

async function offloadOverhead(models: Record<string, CompiledModel>): Promise<{ p50: number; p99: number; bytes: number }> {
  const broker = await EmbeddedBroker.start();
  const npu = loadBoard("max78000").compute.find((c) => c.kind === "npu")!;
  const svc = await ModelService.create({ npu: { ops: npu.ops!, macsPerCycle: npu.macsPerCycle!, mhz: npu.mhz, energyPerMacPj: npu.energyPerMacPj! }, cpu: { mhz: 100 } });
  svc.register("kws", models.kws!);
  const peer = new MqttTransport({ name: "camera-1", url: broker.url });
  const me = new MqttTransport({ name: "amr-1", url: broker.url });
  await Promise.all([peer.connect(), me.connect()]);
  const server = new OffloadServer(peer, "line", svc);
  const client = new OffloadClient(me, "line");
  await server.start();
  await client.start();
  const input = new Uint8Array(readFileSync(path.join(ROOT, "test/fixtures/tinyml/inputs/kws_sample.bin")));
  const overheads: number[] = [];
  try {
    for (let i = 0; i < OFFLOADS + 20; i++) {
      const r = await client.run("camera-1", "kws", input);
      if (i >= 20) overheads.push(r.roundTripUs - r.computeUs); // the first 20 warm the JIT and the sockets
    }
  } finally {
    await client.stop();
    await server.stop();
    await Promise.all([peer.close(), me.close()]);
    await broker.stop();
  }
  overheads.sort((a, b) => a - b);
  return { p50: quantile(overheads, 0.5), p99: quantile(overheads, 0.99), bytes: input.length };
}

export async function run(): Promise<BenchResult[]> {
  const models = Object.fromEntries(LINE_MODELS.map((n) => [n, compileModel(new Uint8Array(readFileSync(path.join(ROOT, "models", `${n}.tflite`))))]));
  const f = sweepFigures(models);
  const r: BenchResult[] = [];
  const note = `production line, ${SEEDS.length} seeds x ${DURATION_MS / 1000} s, same arrivals per policy; refused and shed count as missed`;
  for (const load of LOADS) {
    for (const p of POLICIES) r.push({ name: `sched miss rate at ${load}x, ${p}`, value: pct(f.get(`${p}@${load}`)!.missRate), unit: "%", note: p === "colony" && load === 1 ? note : `${f.get(`${p}@${load}`)!.requests} requests` });
    const c = f.get(`colony@${load}`)!.missRate;
    const better = Math.min(f.get(`fifo@${load}`)!.missRate, f.get(`local@${load}`)!.missRate);
    if (load > 1) r.push({ name: `sched misses at ${load}x / the better baseline's`, value: Math.round((c / better) * 100) / 100, unit: "x", note: "goal: 0.5 or less" });
  }
  for (const load of LOADS) {
    const e = (p: Policy) => f.get(`${p}@${load}`)!.energyUj;
    r.push({ name: `sched energy per inference at ${load}x, colony`, value: Math.round(e("colony")), unit: "µJ", note: "compute (cost model) + radio of offloads" });
    r.push({ name: `sched energy per inference at ${load}x, local-only`, value: Math.round(e("local")), unit: "µJ" });
    r.push({ name: `sched energy per inference at ${load}x, colony / local-only`, value: Math.round((e("colony") / e("local")) * 100) / 100, unit: "x", note: "same run" });
  }
  const o = await offloadOverhead(models);
  r.push({ name: "sched offload overhead on the bus (aedes, loopback), p50", value: Math.round(o.p50) / 1000, unit: "ms", note: `KWS (${o.bytes} B in, 12 B out) to a peer's NPU, round trip minus the peer's compute, ${OFFLOADS} offloads` });
  r.push({ name: "sched offload overhead on the bus (aedes, loopback), p99", value: Math.round(o.p99) / 1000, unit: "ms" });
  return r;
}
