// A simulated site for the replicated ledger (tests, bench/economy.ts, the simulator): ledger
// nodes and client devices on the in-process bus with its network model (loss, duplication,
// reordering, partitions, crashes), each ledger node with its journal in a temporary
// directory, on a virtual clock. Identities derive from device ids (simulation only).
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { CoordNode } from "../coordination/node.ts";
import { Presence, presenceWill } from "../coordination/presence.ts";
import type { Will } from "../net/transport.ts";
import { VirtualClock } from "../kernel/scheduler.ts";
import { InProcessBus, InProcessTransport, type NetworkModel } from "../net/inproc/index.ts";
import { deviceKeyFromSeed, KeyRing, type DeviceKey } from "../net/keys.ts";
import { LedgerClient, type Settlement } from "./client.ts";
import { LedgerNode } from "./node.ts";
import type { LedgerRules } from "./state.ts";
import { signTx, type SignedTx } from "./tx.ts";
import { Wallet } from "./wallet.ts";

export const SITE = "plant";
export const RULES: LedgerRules = { treasury: "treasury", creditLimit: 50 };

export interface SiteOptions {
  ledgers?: number;
  clients?: number;
  model?: Partial<NetworkModel>;
  seed?: number;
  lease?: number;
  heartbeatMs?: number;
  retryMs?: number;
  /** fsync per journal entry (tests on a temp dir: off for speed unless asked) */
  sync?: boolean;
  /** Ledger nodes beat presence with a last will, so the election sees a crashed leader at once. */
  presence?: boolean;
}

export interface Member {
  id: string;
  key: DeviceKey;
  node: CoordNode;
  ledger: LedgerNode;
  journal: string;
  alive: boolean;
  presence?: Presence;
}

export interface Device {
  id: string;
  key: DeviceKey;
  node: CoordNode;
  client: LedgerClient;
}

/** A settlement seen so far (the promise resolves on the microtask queue). */
export interface Pending {
  tx: SignedTx;
  via: string;
  result?: Settlement;
}

/** A simulated device's key, from its id. */
export function key(id: string): DeviceKey {
  const seed = new Uint8Array(32);
  for (let i = 0; i < id.length; i++) seed[i % 32] = (seed[i % 32]! * 31 + id.charCodeAt(i)) & 255;
  seed[31] = 0x1e;
  return deviceKeyFromSeed(id, seed);
}

export function makeSite(o: SiteOptions = {}) {
  const clock = new VirtualClock();
  const bus = new InProcessBus(clock, { latency: 2, jitter: 3, keepAlive: 600_000, ...o.model }, o.seed ?? 1);
  const ring = new KeyRing();
  const dir = mkdtempSync(path.join(os.tmpdir(), "colony-ledger-site-"));
  const ids = Array.from({ length: o.ledgers ?? 5 }, (_, i) => `ledger-${i}`);
  const treasury = key("treasury");
  ring.add(treasury.id, treasury.publicKey);
  const logs: string[] = [];
  const seqs = new Map<string, number>();

  const boots = new Map<string, number>();
  const coord = (k: DeviceKey, will?: Will) => {
    const transport = new InProcessTransport(bus, { name: k.id, queueLimit: 100_000, ...(will ? { will } : {}) });
    void transport.connect();
    // A restarted device carries on its envelope numbering (persisted, as a real one must).
    return new CoordNode({ transport, clock, key: k, keys: ring, site: SITE, lastSeq: seqs.get(k.id) ?? 0, log: (l) => logs.push(l) });
  };
  const boot = (id: string): Member => {
    const k = key(id);
    ring.add(id, k.publicKey);
    // the boot epoch grows across restarts, so an old will never marks the new incarnation down
    const epoch = (boots.get(id) ?? 0) + 1;
    boots.set(id, epoch);
    const node = coord(k, o.presence ? presenceWill(k, SITE, epoch, clock.now()) : undefined);
    const presence = o.presence ? new Presence(node, { battery: 1, load: 0, capabilities: ["ledger"], position: [0, 0, 0] }, { every: 200, epoch }) : undefined;
    presence?.start();
    const journal = path.join(dir, `${id}.journal`);
    const ledger = new LedgerNode({
      node, key: k, keys: ring, rules: RULES, members: ids, journal, sync: o.sync ?? false, lease: o.lease ?? 600, heartbeatMs: o.heartbeatMs ?? 50, ...(presence ? { presence } : {}),
    });
    ledger.start();
    return { id, key: k, node, ledger, journal, alive: true, ...(presence ? { presence } : {}) };
  };
  const members = ids.map(boot);
  const device = (id: string): Device => {
    const k = key(id);
    ring.add(id, k.publicKey);
    const node = coord(k);
    return { id, key: k, node, client: new LedgerClient(node, { retryMs: o.retryMs ?? 200, timeoutMs: 600_000 }) };
  };
  const devices = Array.from({ length: o.clients ?? 3 }, (_, i) => device(`dev-${i}`));

  const member = (id: string) => members.find((m) => m.id === id)!;
  const site = {
    clock,
    bus,
    ring,
    dir,
    ids,
    members,
    devices,
    treasury,
    logs,
    device,
    member,
    /** The one live node leading, if exactly one leads. */
    leader(): Member | undefined {
      const l = members.filter((m) => m.alive && m.ledger.isLeader());
      return l.length === 1 ? l[0] : undefined;
    },
    /** The process of `id` dies (its journal stays on disk). */
    crash(id: string): void {
      const m = member(id);
      seqs.set(id, m.node.lastSeq);
      bus.crash(id);
      m.ledger.halt();
      m.presence?.stop(); // its timers (the "gone" it sends never leaves the dead transport)
      m.alive = false;
    },
    /** `id` boots again from its journal. */
    restart(id: string): Member {
      const i = members.findIndex((m) => m.id === id);
      const m = boot(id);
      members[i] = m;
      return m;
    },
    submit(via: Device, tx: SignedTx): Pending {
      const p: Pending = { tx, via: via.id };
      void via.client.submit(tx).then((r) => (p.result = r));
      return p;
    },
    wallet(d: Device, balance = 0): Wallet {
      return new Wallet(d.client, d.key, { creditLimit: RULES.creditLimit, balance });
    },
    /** Removes the journals' directory. */
    cleanup(): void {
      rmSync(dir, { recursive: true, force: true });
    },
    /** Runs the virtual clock `ms` further, letting settlements resolve as it goes. */
    async run(ms: number, until?: () => boolean): Promise<void> {
      const end = clock.now() + ms;
      while (clock.now() < end) {
        clock.runUntil(Math.min(end, clock.now() + 5));
        await new Promise((r) => setImmediate(r));
        if (until?.()) return;
      }
    },
    /** Each ledger node's role, chain height, settled height, election view. */
    describe(): string {
      return members.map((m) => `${m.id} ${m.alive ? m.ledger.role : "dead"} h${m.ledger.chain.height} c${m.ledger.commit} e${m.ledger.election.leader ?? "-"}@${m.ledger.election.term}`).join(", ");
    },
    /** Runs until one node leads (and has settled its term marker), at most `ms`. */
    async elect(ms = 5000): Promise<Member> {
      await site.run(ms, () => {
        const l = site.leader();
        return !!l && l.ledger.commit === l.ledger.chain.height;
      });
      const l = site.leader();
      if (!l) throw new Error(`no single ledger leader after ${ms} ms: ${site.describe()}`);
      return l;
    },
    /** Mints `amount` to each account through `via` and waits for the settlements. */
    async fund(via: Device, accounts: string[], amount: number, firstNonce = 1): Promise<void> {
      const ps = accounts.map((a, i) => site.submit(via, signTx(treasury, { kind: "mint", to: a, amount, nonce: firstNonce + i })));
      await site.run(10_000, () => ps.every((p) => p.result));
      for (const p of ps)
        if (p.result?.status !== "settled")
          throw new Error(`mint to ${p.tx.body.to} not settled (${p.result ? `${p.result.reason}: ${p.result.message}` : "no answer in 10 s"}); ledger nodes: ${site.describe()}`);
    },
  };
  return site;
}

export type Site = ReturnType<typeof makeSite>;

/** Entry hashes (hex) of a node's chain, in order. */
export function hashes(m: Member): string[] {
  return m.ledger.chain.entries.map((e) => Buffer.from(e.hash).toString("hex"));
}

/** Whether every pair of chains agrees on the entries both hold below `upTo`: no fork. */
export function noFork(ms: readonly Member[], upTo: number): boolean {
  const hs = ms.map(hashes);
  for (let h = 0; h < upTo; h++) {
    const seen = new Set(hs.map((x) => x[h]).filter((x) => x !== undefined));
    if (seen.size > 1) return false;
  }
  return true;
}
