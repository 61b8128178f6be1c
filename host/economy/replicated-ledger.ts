// The site ledger a simulated run pays through when its scenario names ledger nodes: those
// devices run LedgerNodes (elected leader, majority-settled, journals) on a network of their
// own on the run's virtual clock, and every wallet submits through a LedgerClient of its
// device. The same SiteLedger face as LocalLedger, so wallets and the report do not know
// which one they use; answers come as clock events, so a run stays reproducible.
import { rmSync } from "node:fs";
import path from "node:path";
import { CoordNode } from "../coordination/node.ts";
import type { Clock } from "../kernel/scheduler.ts";
import { InProcessBus, InProcessTransport } from "../net/inproc/index.ts";
import type { DeviceKey, KeyRing } from "../net/keys.ts";
import type { Chain } from "./chain.ts";
import { LedgerClient } from "./client.ts";
import { LedgerNode } from "./node.ts";
import type { LedgerSettlement, SiteLedger } from "./site-ledger.ts";
import type { LedgerRules } from "./state.ts";
import type { SignedTx } from "./tx.ts";

export interface ReplicatedLedgerOptions {
  clock: Clock;
  site: string;
  rules: LedgerRules;
  /** every account's public key (ledger nodes check signatures against it) */
  keys: KeyRing;
  /** the ledger nodes' keys: a majority of them settles an entry */
  members: DeviceKey[];
  /** one-way latency of the ledger's network, ms */
  latencyMs: number;
  seed: number;
  /** directory for the nodes' journals; memory only without */
  dir?: string;
}

export class ReplicatedLedger implements SiteLedger {
  readonly nodes: LedgerNode[] = [];
  /** every settled transaction as its submitter heard of it, with when */
  readonly listeners: ((tx: SignedTx, at: number) => void)[] = [];
  private readonly bus: InProcessBus;
  private readonly coords = new Map<string, CoordNode>();
  private readonly clients = new Map<string, LedgerClient>();
  /** settlement latencies (submit to answer), ms */
  readonly latencies: number[] = [];

  constructor(private readonly o: ReplicatedLedgerOptions) {
    if (o.members.length === 0) throw new Error("a replicated ledger needs at least one ledger node");
    this.bus = new InProcessBus(o.clock, { latency: o.latencyMs, jitter: 0, keepAlive: 3_600_000 }, o.seed);
    const ids = o.members.map((k) => k.id);
    for (const k of o.members) {
      const journal = o.dir ? path.join(o.dir, `ledger-${k.id}.journal`) : undefined;
      // a run starts a fresh site: an earlier run's journals in the same directory are not this chain
      if (journal) for (const f of [journal, `${journal}.promise`]) rmSync(f, { force: true });
      const ledger = new LedgerNode({ node: this.coord(k), key: k, keys: o.keys, rules: o.rules, members: ids, ...(journal ? { journal } : {}), sync: false, lease: 1000, heartbeatMs: 50 });
      ledger.start();
      this.nodes.push(ledger);
    }
  }

  private coord(k: DeviceKey): CoordNode {
    let c = this.coords.get(k.id);
    if (c) return c;
    const transport = new InProcessTransport(this.bus, { name: `ledger-net/${k.id}`, queueLimit: 100_000 });
    void transport.connect();
    c = new CoordNode({ transport, clock: this.o.clock, key: k, keys: this.o.keys, site: this.o.site });
    this.coords.set(k.id, c);
    return c;
  }

  /** An account that submits transactions (a device's wallet, the treasury, the site). */
  register(k: DeviceKey): void {
    if (!this.clients.has(k.id)) this.clients.set(k.id, new LedgerClient(this.coord(k), { retryMs: 250, timeoutMs: 60_000 }));
  }

  submit(tx: SignedTx, settled: (s: LedgerSettlement) => void): void {
    const client = this.clients.get(tx.body.from);
    if (!client) throw new Error(`ledger: account "${tx.body.from}" has no client on the ledger's network`);
    const at = this.o.clock.now();
    void client.submit(tx, (s) => {
      this.latencies.push(this.o.clock.now() - at);
      if (s.status === "settled") for (const l of this.listeners) l(tx, this.o.clock.now());
      settled(s);
    });
  }

  /** The chain of the node furthest along (the leader's, when there is one). */
  get chain(): Chain {
    return this.nodes.reduce((a, b) => (b.commit > a.commit ? b : a)).chain;
  }

  balance(account: string): number {
    return this.chain.state.balance(account);
  }

  /** Transactions submitted and not yet answered. */
  get pending(): number {
    let n = 0;
    for (const c of this.clients.values()) n += c.pending;
    return n;
  }

  /** Which node leads, and each one's settled height. */
  describe(): string {
    return this.nodes.map((n) => `${n.id}:${n.role}@${n.commit}`).join(" ");
  }

  close(): void {
    for (const c of this.clients.values()) c.close();
    for (const n of this.nodes) n.halt();
  }
}
