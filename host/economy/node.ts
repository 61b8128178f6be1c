// A site's ledger node. The site's ledger nodes (a fixed list of ledger-capable devices) run
// coordination's Election for the role "ledger"; the elected one stands as ledger leader, the
// others follow. The leader checks each submitted transaction against the chain's rules,
// appends it as a signed entry, replicates it, and acknowledges it to the submitter only once a
// majority of the ledger nodes hold it in their journals (settled). Why a majority: any two
// majorities share a node, so whatever leader comes next hears of every settled entry from
// the majority it must gather first, and a partition can settle on one side only.
//
// Terms. Election's lease decides who tries to lead; the ledger term fences it. A node standing
// as leader picks a term above every one it has seen and asks every ledger node to promise it
// (ledger.recover); a node promises one leader per term, persisted before it answers. With a
// majority of promises the new leader adopts the most up-to-date chain among them (highest
// last term, then height), fetching what it lacks, then appends a term marker entry. Commit
// rule: a leader counts replicas only for entries of its own term (the marker first), and
// everything below a settled entry is settled with it, so an entry a deposed leader appended
// but did not settle can be replaced, and one it did settle never is: the chain never forks.
import { Priority } from "../kernel/scheduler.ts";
import { Election } from "../coordination/election.ts";
import type { CoordNode } from "../coordination/node.ts";
import type { Presence } from "../coordination/presence.ts";
import type { Envelope } from "../net/envelope.ts";
import { cborDecode } from "../net/cbor.ts";
import type { DeviceKey, KeyRing } from "../net/keys.ts";
import { makeEntry, sameHash } from "./chain.ts";
import {
  ackTopic, decodeEntries, decodeFetch, decodeHave, decodeNonce, decodeRecover, decodeSupply, decodeTx, ENTRY_TOPIC, fetchTopic, haveTopic, KIND, MAX_BATCH,
  RECOVER_TOPIC, supplyTopic, syncTopic, TX_TOPIC, type AckMsg, type EntriesMsg, type HaveMsg, type NextMsg, type RefusedMsg, type SupplyMsg,
} from "./messages.ts";
import { PromiseStore } from "./promise.ts";
import { Replica } from "./replica.ts";
import type { LedgerRules } from "./state.ts";
import { openTx, txId, TxRefused, type SignedTx } from "./tx.ts";

export const LEDGER_ROLE = "ledger";

export interface LedgerNodeOptions {
  node: CoordNode;
  /** This node's key (signs the entries it appends as leader); its id is the CoordNode's. */
  key: DeviceKey;
  /** Keys of every device whose transactions or entries this node checks. */
  keys: KeyRing;
  rules: LedgerRules;
  /** The site's ledger nodes, this one included: a majority of them settles an entry. */
  members: readonly string[];
  /** Journal file; its promise is kept beside it (`<journal>.promise`). Without: memory only. */
  journal?: string;
  /** fsync the journal per entry (default true). */
  sync?: boolean;
  /** Election lease, ms (default 1000). */
  lease?: number;
  /** Leader heartbeat and follower catch-up period, ms (default 50). */
  heartbeatMs?: number;
  /** Faster leader-loss detection (the election watches presence). */
  presence?: Presence;
}

export type LedgerRole = "follower" | "recovering" | "leading";

/** What the leader owes a submitter once an entry settles. */
interface Owed {
  sig: string;
  height: number;
  to: Set<string>;
}

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

export class LedgerNode {
  readonly id: string;
  readonly election: Election;
  readonly replica: Replica;
  private readonly promise: PromiseStore;
  private readonly members: ReadonlySet<string>;
  private readonly majority: number;
  private readonly heartbeatMs: number;
  private role_: LedgerRole = "follower";
  /** The term this node leads or stands in (its promise's term while it does). */
  private myTerm = 0;
  /** Highest term heard of in a refusal: the next stand goes above it. */
  private highestSeen = 0;
  private haves = new Map<string, HaveMsg>();
  private fetchingFrom?: string;
  private match = new Map<string, number>();
  private lastSync = new Map<string, { at: number; from: number }>();
  private owed = new Map<string, Owed>();
  /** Transactions refused only because of unsettled entries: decided once those settle. */
  private deferred: { tx: SignedTx; to: string }[] = [];
  private tickTimer?: number;
  private retryTimer?: number;
  private offs: (() => void)[] = [];
  private halted = false;

  constructor(private readonly o: LedgerNodeOptions) {
    this.id = o.node.id;
    if (o.key.id !== this.id) throw new Error(`ledger node: key ${o.key.id} is not the CoordNode's (${this.id})`);
    if (!o.members.includes(this.id)) throw new Error(`ledger node ${this.id} is not in the site's ledger members (${o.members.join(", ")})`);
    if (new Set(o.members).size !== o.members.length) throw new Error(`ledger members name a node twice: ${o.members.join(", ")}`);
    this.members = new Set(o.members);
    this.majority = Math.floor(o.members.length / 2) + 1;
    this.heartbeatMs = o.heartbeatMs ?? 50;
    if (!(this.heartbeatMs > 0)) throw new RangeError(`ledger heartbeatMs must be > 0, got ${this.heartbeatMs}`);
    this.replica = Replica.open(o.rules, o.keys, o.journal, o.sync ?? true);
    this.promise = new PromiseStore(o.journal ? `${o.journal}.promise` : undefined);
    this.election = new Election(o.node, { role: LEDGER_ROLE, lease: o.lease ?? 1000, ...(o.presence ? { presence: o.presence } : {}) });
  }

  get role(): LedgerRole {
    return this.role_;
  }

  /** The term this node leads in (0 unless leading). */
  get term(): number {
    return this.role_ === "leading" ? this.myTerm : 0;
  }

  /** The chain's entries below this height are settled. */
  get commit(): number {
    return this.replica.commit;
  }

  get chain() {
    return this.replica.chain;
  }

  isLeader(): boolean {
    return this.role_ === "leading";
  }

  start(): void {
    const n = this.o.node;
    // Only the kind each topic carries reaches a handler (agents' bus.msg on these topics is not ours).
    const on = (topic: string, kind: string, fn: (env: Envelope) => void, membersOnly = true) =>
      n.on(topic, (env) => {
        if (env.kind === kind && (!membersOnly || this.members.has(env.from))) this.guard(env, () => fn(env));
      });
    this.offs.push(
      on(TX_TOPIC, KIND.tx, (env) => this.onTx(env), false),
      on(TX_TOPIC, KIND.nonce, (env) => this.onNonce(env), false),
      on(ENTRY_TOPIC, KIND.entries, (env) => this.onEntries(env)),
      on(syncTopic(this.id), KIND.entries, (env) => this.onEntries(env)),
      on(haveTopic(this.id), KIND.have, (env) => this.onHave(env)),
      on(RECOVER_TOPIC, KIND.recover, (env) => this.onRecover(env)),
      on(fetchTopic(this.id), KIND.fetch, (env) => this.onFetch(env)),
      on(supplyTopic(this.id), KIND.supply, (env) => this.onSupply(env)),
    );
    this.election.onChange((e) => {
      if (this.halted) return;
      if (e.leader === this.id) {
        if (this.role_ === "follower") this.stand();
      } else if (this.role_ !== "follower") this.stepDown();
    });
    this.election.start();
    this.tick();
  }

  /** A clean stop: resign the election (others elect at once), close the journal. */
  stop(): void {
    this.halt();
  }

  /**
   * The test double of the process dying: nothing more is handled, written or timed. Call it
   * after the bus's crash() of this node, so the election's resignation (the only way to stop
   * its timers) never leaves the dead transport.
   */
  halt(): void {
    if (this.halted) return;
    this.halted = true;
    for (const t of [this.tickTimer, this.retryTimer]) if (t !== undefined) this.o.node.clock.cancel(t);
    for (const off of this.offs) off();
    this.election.stop();
    this.replica.close();
  }

  // ---- standing as leader ----

  private stand(): void {
    if (this.halted) return;
    this.myTerm = Math.max(this.promise.term, this.replica.lastTerm, this.highestSeen) + 1;
    this.promise.set(this.myTerm, this.id);
    this.role_ = "recovering";
    this.haves = new Map([[this.id, this.have()]]);
    this.fetchingFrom = undefined;
    this.o.node.send(RECOVER_TOPIC, KIND.recover, { term: this.myTerm }, { qos: 0 });
    this.armRetry();
    this.maybeRecovered();
  }

  private armRetry(): void {
    if (this.retryTimer !== undefined) this.o.node.clock.cancel(this.retryTimer);
    this.retryTimer = this.o.node.clock.after(3 * this.heartbeatMs, () => {
      this.retryTimer = undefined;
      if (this.halted || this.role_ !== "recovering") return;
      // Refused by a node that promised a higher term (or another leader in ours): stand above it.
      if (this.highestSeen >= this.myTerm) return this.stand();
      if (this.fetchingFrom) this.o.node.send(fetchTopic(this.fetchingFrom), KIND.fetch, { term: this.myTerm, from: this.replica.commit }, { qos: 0 });
      else this.o.node.send(RECOVER_TOPIC, KIND.recover, { term: this.myTerm }, { qos: 0 });
      this.armRetry();
    }, Priority.SYSTEM);
  }

  private onRecover(env: Envelope): void {
    const m = decodeRecover(env.body);
    if (env.from === this.id) return;
    if (m.term > this.promise.term) {
      this.promise.set(m.term, env.from);
      if (this.role_ !== "follower") this.stepDown();
    }
    // Answer with our promise either way: a refused candidate learns the term to beat.
    this.o.node.send(haveTopic(env.from), KIND.have, this.have(), { qos: 0 });
  }

  private have(): HaveMsg {
    return { term: this.promise.term, leader: this.promise.leader || this.id, height: this.replica.height, tip: this.replica.tip, lastTerm: this.replica.lastTerm };
  }

  private onHave(env: Envelope): void {
    const h = decodeHave(env.body);
    if (env.from === this.id) return;
    if (h.term > this.myTerm || (h.term === this.myTerm && h.leader !== this.id)) {
      this.highestSeen = Math.max(this.highestSeen, h.term);
      // A node promised a later term: we cannot settle with it any more. If the election still
      // names us, the next tick stands again above that term.
      if (this.role_ === "leading" && h.term > this.myTerm) this.stepDown();
      return;
    }
    if (h.term !== this.myTerm || h.leader !== this.id) return; // an answer to an older stand
    if (this.role_ === "recovering") {
      this.haves.set(env.from, h);
      this.maybeRecovered();
    } else if (this.role_ === "leading") this.progress(env.from, h);
  }

  private maybeRecovered(): void {
    if (this.role_ !== "recovering" || this.fetchingFrom || this.haves.size < this.majority) return;
    // The most up-to-date chain of a majority holds every settled entry.
    let best = this.id;
    let b = this.haves.get(this.id)!;
    for (const [id, h] of this.haves) if (h.lastTerm > b.lastTerm || (h.lastTerm === b.lastTerm && h.height > b.height)) [best, b] = [id, h];
    const mine = this.haves.get(this.id)!;
    if (best === this.id || (b.height === mine.height && sameHash(b.tip, mine.tip))) return this.lead();
    this.fetchingFrom = best;
    this.o.node.send(fetchTopic(best), KIND.fetch, { term: this.myTerm, from: this.replica.commit }, { qos: 0 });
    this.armRetry();
  }

  private onFetch(env: Envelope): void {
    const f = decodeFetch(env.body);
    if (f.term !== this.promise.term || env.from !== this.promise.leader) return;
    const body: SupplyMsg = { term: f.term, from: f.from, entries: this.replica.wires(f.from, MAX_BATCH), height: this.replica.height };
    this.o.node.send(supplyTopic(env.from), KIND.supply, body, { qos: 0 });
  }

  private onSupply(env: Envelope): void {
    const s = decodeSupply(env.body);
    if (this.role_ !== "recovering" || s.term !== this.myTerm || env.from !== this.fetchingFrom) return;
    const r = this.replica.merge(s.entries, s.from);
    if (r.problem && r.resendFrom === undefined) {
      this.o.node.log(`ledger: recovery from ${env.from}: ${r.problem}`);
      return; // the retry timer fetches again
    }
    const next = r.resendFrom ?? s.from + s.entries.length;
    if (next < s.height) {
      this.o.node.send(fetchTopic(env.from), KIND.fetch, { term: this.myTerm, from: next }, { qos: 0 });
      this.armRetry();
      return;
    }
    this.lead();
  }

  private lead(): void {
    this.role_ = "leading";
    this.fetchingFrom = undefined;
    if (this.retryTimer !== undefined) this.o.node.clock.cancel(this.retryTimer);
    this.retryTimer = undefined;
    this.match = new Map();
    this.lastSync = new Map();
    this.owed = new Map();
    this.deferred = [];
    // The term marker: once a majority holds it, everything before it is settled as well.
    this.appendAndSend(makeEntry(this.o.key, this.replica.height, this.myTerm, this.replica.tip, null));
  }

  private stepDown(): void {
    this.role_ = "follower";
    this.fetchingFrom = undefined;
    if (this.retryTimer !== undefined) this.o.node.clock.cancel(this.retryTimer);
    this.retryTimer = undefined;
    // Submitters send again; whoever leads next answers them.
    this.owed = new Map();
    this.deferred = [];
  }

  // ---- leading ----

  private onTx(env: Envelope): void {
    if (this.role_ !== "leading") return;
    const { tx: wire } = decodeTx(env.body);
    let tx: SignedTx;
    try {
      tx = openTx(wire, this.o.keys);
    } catch (e) {
      if (!(e instanceof TxRefused)) throw e;
      const who = peekTx(wire);
      if (who) this.refuse(env.from, who.txid, who.sig, e);
      else this.o.node.log(`ledger: unreadable transaction from ${env.from}: ${e.message}`);
      return;
    }
    this.take(tx, env.from);
  }

  /** A device without a kept nonce asks which to use: about its own account only (the envelope names it). */
  private onNonce(env: Envelope): void {
    if (this.role_ !== "leading") return;
    const { q } = decodeNonce(env.body);
    const state = this.replica.chain.state;
    let next = state.nextNonce(env.from);
    for (const d of this.deferred) if (d.tx.body.from === env.from) next = Math.max(next, d.tx.body.nonce + 1);
    const body: NextMsg = { q, next, balance: state.balance(env.from), height: this.replica.height };
    this.o.node.send(ackTopic(env.from), KIND.next, body, { qos: 0 });
  }

  private take(tx: SignedTx, from: string): void {
    const id = txId(tx.body);
    const at = this.replica.chain.heightOf(tx);
    if (at !== undefined) {
      if (at < this.replica.commit) return this.ack(from, at);
      const o = this.owed.get(id) ?? { sig: hex(tx.sig), height: at, to: new Set<string>() };
      o.to.add(from);
      this.owed.set(id, o);
      return;
    }
    try {
      this.replica.chain.state.check(tx);
    } catch (e) {
      if (!(e instanceof TxRefused)) throw e;
      // Refused against entries not yet settled (which a crash may still drop): decide once they are.
      if (this.replica.commit < this.replica.height) {
        // the client sends again while it waits: keep one copy per transaction and submitter
        if (!this.deferred.some((d) => d.to === from && Buffer.compare(d.tx.sig, tx.sig) === 0)) this.deferred.push({ tx, to: from });
      }
      else this.refuse(from, id, tx.sig, e);
      return;
    }
    const entry = makeEntry(this.o.key, this.replica.height, this.myTerm, this.replica.tip, tx);
    this.owed.set(id, { sig: hex(tx.sig), height: entry.height, to: new Set([from]) });
    this.appendAndSend(entry);
  }

  private appendAndSend(entry: ReturnType<typeof makeEntry>): void {
    this.replica.append(entry);
    this.match.set(this.id, this.replica.height);
    this.broadcast([entry.wire], entry.height);
    this.advanceCommit();
  }

  private broadcast(wires: Uint8Array[], from: number, to?: string): void {
    const body: EntriesMsg = { term: this.myTerm, from, entries: wires, commit: this.replica.commit, height: this.replica.height, tip: this.replica.tip };
    this.o.node.send(to ? syncTopic(to) : ENTRY_TOPIC, KIND.entries, body, { qos: 0 });
  }

  /** A follower's report while we lead: count it, and send it what it lacks. */
  private progress(from: string, h: HaveMsg): void {
    if (h.height <= this.replica.height && this.replica.agreesUpTo(h.height, h.tip)) {
      if (h.height > (this.match.get(from) ?? 0)) {
        this.match.set(from, h.height);
        this.advanceCommit();
      }
      if (h.height < this.replica.height) this.sync(from, h.height);
    } else if (h.height <= this.replica.height) {
      // Its last entry is not ours: resend from there, its merge drops what conflicts.
      this.sync(from, Math.max(0, h.height - 1));
    } else {
      // Longer than ours (an old leader's unsettled tail): resend our last entry, it conflicts or not.
      this.sync(from, Math.max(0, this.replica.height - 1));
    }
  }

  private sync(to: string, from: number): void {
    const now = this.o.node.clock.now();
    const last = this.lastSync.get(to);
    if (last && last.from === from && now - last.at < this.heartbeatMs) return;
    this.lastSync.set(to, { at: now, from });
    this.broadcast(this.replica.wires(from, MAX_BATCH), from, to);
  }

  private advanceCommit(): void {
    const counts = [...this.members].map((m) => this.match.get(m) ?? 0).sort((a, b) => b - a);
    const n = counts[this.majority - 1]!;
    // Only an entry of our own term settles by counting; the ones before it settle with it.
    if (n <= this.replica.commit || this.replica.chain.entries[n - 1]!.term !== this.myTerm) return;
    this.replica.commit = n;
    for (const [id, o] of this.owed) {
      if (o.height >= n) continue;
      this.owed.delete(id);
      for (const to of o.to) this.ack(to, o.height);
    }
    if (this.deferred.length > 0) {
      const d = this.deferred;
      this.deferred = [];
      for (const { tx, to } of d) this.take(tx, to);
    }
  }

  private ack(to: string, height: number): void {
    const e = this.replica.chain.entries[height]!;
    const tx = e.tx!;
    const body: AckMsg = { txid: txId(tx.body), sig: tx.sig, height, term: e.term, hash: e.hash, balance: this.replica.chain.state.balance(tx.body.from) };
    this.o.node.send(ackTopic(to), KIND.ack, body, { qos: 0 });
  }

  private refuse(to: string, txid: string, sig: Uint8Array, e: TxRefused): void {
    const body: RefusedMsg = { txid, sig, reason: e.reason, message: e.message };
    this.o.node.send(ackTopic(to), KIND.refused, body, { qos: 0 });
  }

  // ---- following ----

  private onEntries(env: Envelope): void {
    const m = decodeEntries(env.body);
    if (env.from === this.id) return;
    if (m.term < this.promise.term) {
      // A deposed leader's, or one whose term a failed candidate overtook: tell it the term to beat.
      this.o.node.send(haveTopic(env.from), KIND.have, this.have(), { qos: 0 });
      return;
    }
    if (m.term > this.promise.term || this.promise.leader !== env.from) {
      // Only the one leader a majority promised sends entries in a term (promises are one per
      // term), so whoever we promised in it did not win: follow the one that did.
      this.promise.set(m.term, env.from);
      if (this.role_ !== "follower") this.stepDown();
    }
    if (m.entries.length > 0) {
      const r = this.replica.merge(m.entries, m.from);
      if (r.problem && !r.problem.startsWith("gap")) this.o.node.log(`ledger: entries from ${env.from}: ${r.problem}`);
    }
    if (this.replica.agreesUpTo(m.height, m.tip)) this.replica.commit = Math.max(this.replica.commit, Math.min(m.commit, m.height));
    this.o.node.send(haveTopic(env.from), KIND.have, this.have(), { qos: 0 });
  }

  // ---- housekeeping ----

  private tick(): void {
    if (this.halted) return;
    if (this.role_ === "leading") this.broadcast([], this.replica.height);
    // Deposed by a higher ledger term while the election still names us: stand again.
    else if (this.role_ === "follower" && this.election.leader === this.id && this.election.isLeader()) this.stand();
    this.tickTimer = this.o.node.clock.after(this.heartbeatMs, () => this.tick(), Priority.SYSTEM);
  }

  /** Nothing a peer sends may crash the node: a bad body is logged and dropped. */
  private guard(env: Envelope, fn: () => void): void {
    if (this.halted) return;
    try {
      fn();
    } catch (e) {
      this.o.node.log(`ledger: ${env.kind} from ${env.from} dropped: ${(e as Error).message}`);
    }
  }
}

/** The (from, nonce) and signature of a transaction that failed its checks, to say so to its sender. */
function peekTx(wire: Uint8Array): { txid: string; sig: Uint8Array } | undefined {
  try {
    const outer = cborDecode(wire) as unknown[];
    const inner = cborDecode(outer[0] as Uint8Array) as unknown[];
    const sig = outer[1];
    const [from, nonce] = [inner[2], inner[5]];
    if (typeof from === "string" && from.length > 0 && Number.isSafeInteger(nonce) && sig instanceof Uint8Array && sig.length === 64) return { txid: `${from}:${nonce}`, sig };
  } catch {
    // not even readable: nobody to answer
  }
  return undefined;
}
