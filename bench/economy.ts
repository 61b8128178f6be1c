// The ledger (#11): transactions per second through the whole path a ledger node runs:
// the device signs, the node opens the wire form (shape, signature), checks the rules,
// appends a leader-signed hash-chained entry; with and without a synced journal.
// Baseline in the same run: signing and verifying alone (what Ed25519 costs).
// Replicated (host/economy/node.ts): settlement latency, submit to ack, of transfers on the
// in-process bus with the network model's latency (virtual ms), against a one-hop
// request/answer round trip on the same bus; and the double-spend trial's count (must be 0).
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { Chain, Journal, makeEntry, openTx, signTx, type Settlement } from "../host/economy/index.ts";
import { doubleSpendTrial, type TrialResult } from "../host/economy/double-spend.ts";
import { makeSite } from "../host/economy/site.ts";
import { latencyStats } from "../host/sim/network.ts";
import { deviceKeyFromSeed, KeyRing, signBytes } from "../host/net/keys.ts";
import { parseScenario, runScenario, type SimResult } from "../host/sim/index.ts";
import type { BenchResult } from "./types.ts";

const N = 5_000;

export async function run(): Promise<BenchResult[]> {
  const ring = new KeyRing();
  const k = (id: string, n: number) => {
    const key = deviceKeyFromSeed(id, new Uint8Array(32).fill(n));
    ring.add(id, key.publicKey);
    return key;
  };
  const treasury = k("treasury", 1);
  const leader = k("ledger-1", 2);
  const devices = Array.from({ length: 20 }, (_, i) => k(`dev-${i}`, 10 + i));
  const rules = { treasury: "treasury", creditLimit: 100 };
  const rate = (ms: number) => Math.round((N / ms) * 1000);

  // baseline: one signature and one verification per transaction, nothing else
  const msg = new Uint8Array(64);
  let t0 = performance.now();
  for (let i = 0; i < N; i++) {
    msg[0] = i & 255;
    const sig = signBytes(devices[i % 20]!, msg);
    ring.verify(devices[i % 20]!.id, msg, sig);
  }
  const baseMs = performance.now() - t0;

  const once = (journal?: Journal) => {
    const chain = new Chain(rules);
    for (const [i, d] of devices.entries()) {
      const e = makeEntry(leader, chain.height, 1, chain.tip, signTx(treasury, { kind: "mint", to: d.id, amount: 1_000_000, nonce: i + 1 }));
      chain.append(e);
    }
    const nonces = new Map<string, number>();
    const start = performance.now();
    for (let i = 0; i < N; i++) {
      const from = devices[i % 20]!;
      const to = devices[(i * 7 + 3) % 20]!;
      if (to === from) continue;
      const nonce = (nonces.get(from.id) ?? 0) + 1;
      nonces.set(from.id, nonce);
      const wire = signTx(from, { kind: "transfer", to: to.id, amount: 1 + (i % 50), nonce }).wire; // on the device
      const tx = openTx(wire, ring); // on the ledger node
      const e = makeEntry(leader, chain.height, 1, chain.tip, tx);
      chain.append(e);
      journal?.append(e);
    }
    return performance.now() - start;
  };
  const inMemory = Math.min(once(), once());
  const dir = mkdtempSync(path.join(os.tmpdir(), "colony-bench-ledger-"));
  const { journal } = Journal.open(path.join(dir, "ledger.journal"), rules, ring, { sync: false });
  const journaled = once(journal);
  journal.close();
  rmSync(dir, { recursive: true, force: true });
  const healthy = await settlement({ latency: 5, jitter: 5 });
  const lossy = await settlement({ latency: 5, jitter: 5, loss: 0.1, duplicate: 0.05 });
  const trials: TrialResult[] = [];
  for (const seed of [1, 2, 3]) trials.push(await doubleSpendTrial({ seed, rounds: 8, killEvery: 2 }));
  const sum = (f: (t: (typeof trials)[number]) => number) => trials.reduce((a, t) => a + f(t), 0);
  return [
    { name: "Ed25519 sign + verify alone (baseline)", value: rate(baseMs), unit: "op/s", note: `${N} operations` },
    { name: "ledger: signed transfers applied, in memory", value: rate(inMemory), unit: "tx/s", note: "device signs; node verifies, checks the rules, appends a leader-signed hash-chained entry. goal: >= 5,000" },
    { name: "ledger: signed transfers applied, journaled", value: rate(journaled), unit: "tx/s", note: "plus the append-only journal (written per entry, not fsynced per entry)" },
    { name: "ledger in memory / sign+verify alone", value: Math.round((baseMs / inMemory) * 1000) / 1000, unit: "ratio", note: "the ledger signs twice per tx (device, leader) and verifies once" },
    { name: "replicated ledger: one-hop round trip p50 (baseline)", value: healthy.rtt.p50, unit: "ms", note: "virtual ms; bus latency 5 ms + jitter 0-5 ms" },
    { name: "replicated ledger: settlement latency p50", value: healthy.lat.p50, unit: "ms", note: `submit -> ack, 5 ledger nodes, ${healthy.lat.count} transfers from 20 devices, settled by a majority` },
    { name: "replicated ledger: settlement latency p99", value: healthy.lat.p99, unit: "ms", note: "same run" },
    { name: "replicated ledger: settlement p50 / round trip", value: Math.round((healthy.lat.p50 / healthy.rtt.p50) * 100) / 100, unit: "ratio", note: "two round trips: client-leader-followers-leader-client" },
    { name: "replicated ledger: settlement p50, 10% loss 5% dup", value: lossy.lat.p50, unit: "ms", note: "lost messages cost a client retry (200 ms) or a heartbeat (50 ms)" },
    { name: "replicated ledger: settlement p99, 10% loss 5% dup", value: lossy.lat.p99, unit: "ms", note: "same run" },
    { name: "replicated ledger: transfers settled per wall second", value: healthy.wallRate, unit: "tx/s", note: "all 5 nodes verify every entry, in one process on this machine" },
    { name: "double spends under the partition trials", value: sum((t) => t.doubleSpends), unit: "count", note: `must be 0: ${sum((t) => t.attempts)} whole-balance spends, ${trials.length} seeds x 8 random partitions, 10% loss, ${sum((t) => t.kills)} leaders killed; ${sum((t) => t.settled)} settled, ${sum((t) => t.refused)} refused, ${sum((t) => t.forks)} forks, ${sum((t) => t.unanswered)} unanswered` },
    ...(await pricedAward()),
  ];
}

const PAYERS = 20;
const PER_PAYER = 50;

/** Transfers among 20 devices, each one after the other's answer, on a 5-node site. */
async function settlement(model: { latency: number; jitter: number; loss?: number; duplicate?: number }) {
  const s = makeSite({ ledgers: 5, clients: PAYERS, model, seed: 11 });
  try {
    await s.elect();
    // the baseline: a request and its answer between a device and the leader, on the same bus
    const l = s.leader()!;
    const d0 = s.devices[0]!;
    const rtts: number[] = [];
    l.node.on("bench/ping", (env) => l.node.send(`bench/pong/${env.from}`, "bench.pong", { t: (env.body as { t: number }).t }, { qos: 0 }));
    d0.node.on(`bench/pong/${d0.id}`, (env) => rtts.push(s.clock.now() - (env.body as { t: number }).t));
    for (let i = 0; i < 200; i++) {
      d0.node.send("bench/ping", "bench.ping", { t: s.clock.now() }, { qos: 0 });
      await s.run(40);
    }
    await s.fund(d0, s.devices.map((d) => d.id), 1_000_000);
    const lat: number[] = [];
    let done = 0;
    let failed: string | undefined;
    const wall0 = performance.now();
    for (const [i, d] of s.devices.entries())
      void (async () => {
        for (let k = 1; k <= PER_PAYER; k++) {
          const to = s.devices[(i + 1 + (k % (PAYERS - 1))) % PAYERS]!;
          const t0 = s.clock.now();
          const r: Settlement = await d.client.submit(signTx(d.key, { kind: "transfer", to: to.id, amount: 1 + (k % 9), nonce: k }));
          if (r.status !== "settled") failed ??= `bench transfer not settled: ${r.reason}: ${r.message}`;
          lat.push(s.clock.now() - t0);
        }
        done++;
      })();
    await s.run(600_000, () => done === PAYERS || failed !== undefined);
    if (failed) throw new Error(failed);
    if (done !== PAYERS) throw new Error(`only ${done} of ${PAYERS} payers finished`);
    const wallMs = performance.now() - wall0;
    return { rtt: latencyStats(rtts), lat: latencyStats(lat), wallRate: Math.round((PAYERS * PER_PAYER) / (wallMs / 1000)) };
  } finally {
    s.cleanup();
  }
}

/**
 * Priced contract-net (bids with prices, budget check, escrow locked on the award, bonds) against
 * plain contract-net: the pump room run to just after its award, with and without its economy
 * block (the same agents; without a wallet they bid unpriced). Time to award on the virtual
 * clock (announce -> award, the protocol's own latency) and wall time of the run, median of 3.
 */
async function pricedAward(): Promise<BenchResult[]> {
  const file = path.join(import.meta.dirname, "../scenarios/pump-room.yaml");
  const priced = readFileSync(file, "utf8");
  const plain = priced.replace(/^economy:\n(?: .*\n)+/m, "");
  if (plain === priced) throw new Error("bench economy: the pump room has no economy block to take out");
  const toAward = (r: SimResult): number => {
    const cfp = r.trace.find((e) => e.type === "publish" && e.data?.topic === "cnet/cfp");
    const award = r.trace.find((e) => e.type === "publish" && e.data?.topic === "cnet/award");
    if (!cfp || !award) throw new Error("bench economy: the pump room made no award");
    return award.t - cfp.t;
  };
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const measure = async (text: string) => {
    const walls: number[] = [];
    let award = 0;
    for (let i = 0; i < 3; i++) {
      const t0 = performance.now();
      const r = await runScenario(parseScenario(text, file), { durationMs: 40_000 });
      walls.push(performance.now() - t0);
      award = toAward(r);
    }
    return { wall: median(walls), award };
  };
  const p = await measure(plain);
  const q = await measure(priced);
  const r3 = (x: number) => Math.round(x * 1000) / 1000;
  return [
    { name: "contract-net time to award, priced / plain", value: r3(q.award / p.award), unit: "ratio", note: `virtual clock, announce to award: ${q.award} ms priced vs ${p.award} ms plain (pump room). goal: <= 1.2` },
    { name: "pump room to the award (40 s), priced / plain wall time", value: r3(q.wall / p.wall), unit: "ratio", note: `${Math.round(q.wall)} ms vs ${Math.round(p.wall)} ms, median of 3: prices, escrow, bonds and the ledger's signatures` },
  ];
}
