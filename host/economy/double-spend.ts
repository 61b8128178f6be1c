// The double-spend trial (tests and bench/economy.ts): rounds of random partitions of a site's
// ledger nodes on a lossy, duplicating, reordering bus, sometimes with the leader killed and
// restarted from its journal. In each round fresh spenders are funded with 100, then each
// signs three transactions spending all of it (two on one nonce, one on another) and hands
// them to clients on both sides of the partition. After the heal every one must be answered;
// a double spend is a spender with more than one settled, or a negative balance in any chain.
import { makeSite, hashes, key, type Pending } from "./site.ts";
import { signTx } from "./tx.ts";
import type { NetworkModel } from "../net/inproc/index.ts";

export interface TrialOptions {
  seed: number;
  rounds: number;
  /** Ledger nodes of the site (default 5). */
  ledgers?: number;
  spendersPerRound?: number;
  model?: Partial<NetworkModel>;
  /** Kill the leader (and restart it from its journal) in one round out of this many; 0: never. */
  killEvery?: number;
}

export interface TrialResult {
  /** Transactions submitted that each spend a spender's whole balance. */
  attempts: number;
  settled: number;
  refused: number;
  /** Spenders with more than one settled spend, plus negative balances seen in any chain. */
  doubleSpends: number;
  /** Heights where two nodes' chains hold different entries (must be 0). */
  forks: number;
  /** Submissions still without an answer at the end (must be 0). */
  unanswered: number;
  /** Leaders killed mid-round. */
  kills: number;
  /** Settlement latencies of the settled spends, virtual ms (submit to ack). */
  latencies: number[];
}

export async function doubleSpendTrial(o: TrialOptions): Promise<TrialResult> {
  const s = makeSite({ ledgers: o.ledgers ?? 5, clients: 4, seed: o.seed, model: { loss: 0.1, duplicate: 0.1, reorder: 0.1, reorderDelay: 15, ...o.model } });
  let r = o.seed * 2654435761;
  const rand = () => ((r = (Math.imul(r, 1103515245) + 12345) >>> 0) / 4294967296);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)]!;
  const res: TrialResult = { attempts: 0, settled: 0, refused: 0, doubleSpends: 0, forks: 0, unanswered: 0, kills: 0, latencies: [] };
  const n = o.spendersPerRound ?? 3;
  let mintNonce = 0;
  try {
    await s.elect();
    for (let round = 0; round < o.rounds; round++) {
      const spenders = Array.from({ length: n }, (_, i) => key(`spender-${round}-${i}`));
      for (const k of spenders) s.ring.add(k.id, k.publicKey);
      await s.fund(s.devices[0]!, spenders.map((k) => k.id), 100, mintNonce + 1);
      mintNonce += n;
      // a random split of the ledger nodes, and of the clients
      const order = [...s.ids].sort(() => rand() - 0.5);
      const cut = 1 + Math.floor(rand() * (order.length - 1));
      const sideA = order.slice(0, cut);
      const sideB = order.slice(cut);
      const clientsA = s.devices.filter((_d, i) => i % 2 === 0);
      const clientsB = s.devices.filter((_d, i) => i % 2 === 1);
      s.bus.partition([...sideA, ...clientsA.map((d) => d.id)], [...sideB, ...clientsB.map((d) => d.id)]);
      const tries: { spender: string; p: Pending; at: number }[] = [];
      for (const k of spenders) {
        const txs = [
          signTx(k, { kind: "transfer", to: "payee-a", amount: 100, nonce: 1 }),
          signTx(k, { kind: "transfer", to: "payee-b", amount: 100, nonce: 1 }),
          signTx(k, { kind: "transfer", to: "payee-c", amount: 100, nonce: 2 }),
        ];
        tries.push({ spender: k.id, p: s.submit(pick(clientsA), txs[0]!), at: s.clock.now() });
        tries.push({ spender: k.id, p: s.submit(pick(clientsB), txs[1]!), at: s.clock.now() });
        tries.push({ spender: k.id, p: s.submit(pick(rand() < 0.5 ? clientsA : clientsB), txs[2]!), at: s.clock.now() });
      }
      let killed: string | undefined;
      if (o.killEvery && round % o.killEvery === o.killEvery - 1) {
        // the leader dies a little after the spends went out, mid-transfer
        await s.run(3 + rand() * 20);
        const l = s.members.find((m) => m.alive && m.ledger.isLeader());
        if (l) {
          s.crash(l.id);
          killed = l.id;
          res.kills++;
        }
      }
      const settledAt = new Map<Pending, number>();
      const watch = () => {
        for (const t of tries) if (t.p.result && !settledAt.has(t.p)) settledAt.set(t.p, s.clock.now());
        return tries.every((t) => t.p.result);
      };
      await s.run(1500, watch);
      if (killed) s.restart(killed);
      s.bus.heal();
      await s.run(20_000, watch);
      watch();
      for (const t of tries) {
        res.attempts++;
        if (!t.p.result) res.unanswered++;
        else if (t.p.result.status === "settled") {
          res.settled++;
          res.latencies.push(settledAt.get(t.p)! - t.at);
        } else res.refused++;
      }
      for (const k of spenders) {
        const ok = tries.filter((t) => t.spender === k.id && t.p.result?.status === "settled").length;
        if (ok > 1) res.doubleSpends += ok - 1;
      }
    }
    await s.run(1000);
    const live = s.members.filter((m) => m.alive);
    for (const m of live) for (const b of m.ledger.chain.state.balances.values()) if (b < 0) res.doubleSpends++;
    const hs = live.map(hashes);
    const top = Math.max(...hs.map((h) => h.length));
    for (let h = 0; h < top; h++) if (new Set(hs.map((x) => x[h]).filter((x) => x !== undefined)).size > 1) res.forks++;
    return res;
  } finally {
    s.cleanup();
  }
}
