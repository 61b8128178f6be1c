// A device's end of the site ledger: submit a signed transaction and learn, once, whether it
// settled (held by a majority of the ledger nodes, so no crash or leader change can lose it)
// or was refused (with the ledger's reason). The client sends again every retryMs until it
// hears an answer: a lost message, a leader killed mid-transfer or a partition only delay the
// answer, and a transaction delivered twice is applied once (its (from, nonce) names it).
// While the device's link is down its submissions wait in the transport's store-and-forward
// queue and go out when the link returns (offline IOUs, see wallet.ts).
import { randomBytes } from "node:crypto";
import { Priority } from "../kernel/scheduler.ts";
import type { CoordNode } from "../coordination/node.ts";
import { ackTopic, CHALLENGE_BYTES, decodeAck, decodeNext, decodeRefused, KIND, TX_TOPIC, type NonceMsg, type TxMsg } from "./messages.ts";
import { txId, type Refusal, type SignedTx } from "./tx.ts";

/** The transaction is in the chain, held by a majority of the site's ledger nodes. */
export interface Ack {
  status: "settled";
  txid: string;
  /** Index of its entry in the chain. */
  height: number;
  /** Term of the leader that appended it. */
  term: number;
  /** sha256 of its entry, hex. */
  hash: string;
  /** The payer's balance just after it. */
  balance: number;
}

/** The ledger will not take the transaction (final), or no answer came in time (`timeout`). */
export interface Refused {
  status: "refused";
  txid: string;
  /** A ledger rule, or `timeout`: not settled yet, may still settle; submitting the same signed
   *  transaction again is safe. `offline-limit`: a wallet without a link would pass its credit limit. */
  reason: Refusal | "timeout" | "offline-limit";
  message: string;
}

export type Settlement = Ack | Refused;

/** The leader's word on this device's own account, for a wallet that kept no nonce. */
export interface NextNonce {
  /** The nonce to use next (above every one the account has used). */
  next: number;
  balance: number;
  height: number;
}

export interface LedgerClientOptions {
  /** Send again after this long without an answer, ms (default 200). */
  retryMs?: number;
  /** Give up (a `timeout` Refused) after this long, ms (default 30,000). */
  timeoutMs?: number;
}

interface Waiting {
  tx: SignedTx;
  sig: string;
  promise: Promise<Settlement>;
  resolve: (s: Settlement) => void;
  /** told synchronously, on the clock's turn that brought the answer (see submit) */
  callbacks: ((s: Settlement) => void)[];
  retry?: number;
  deadline?: number;
}

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

export class LedgerClient {
  private waiting = new Map<string, Waiting>();
  /** Nonce questions asked, by challenge (hex). */
  private asking = new Map<string, (n: NextNonce) => void>();
  private readonly retryMs: number;
  private readonly timeoutMs: number;
  private readonly off: () => void;

  constructor(
    private readonly node: CoordNode,
    opts: LedgerClientOptions = {},
  ) {
    this.retryMs = opts.retryMs ?? 200;
    this.timeoutMs = opts.timeoutMs ?? 30_000;
    if (!(this.retryMs > 0)) throw new RangeError(`ledger client retryMs must be > 0, got ${this.retryMs}`);
    if (!(this.timeoutMs > 0)) throw new RangeError(`ledger client timeoutMs must be > 0, got ${this.timeoutMs}`);
    this.off = node.on(ackTopic(node.id), (env) => {
      try {
        if (env.kind === KIND.ack) {
          const a = decodeAck(env.body);
          this.finish(a.txid, hex(a.sig), { status: "settled", txid: a.txid, height: a.height, term: a.term, hash: hex(a.hash), balance: a.balance });
        } else if (env.kind === KIND.next) {
          const n = decodeNext(env.body);
          this.asking.get(hex(n.q))?.({ next: n.next, balance: n.balance, height: n.height });
        } else if (env.kind === KIND.refused) {
          const r = decodeRefused(env.body);
          this.finish(r.txid, hex(r.sig), { status: "refused", txid: r.txid, reason: r.reason as Refusal, message: r.message });
        }
      } catch (e) {
        node.log(`ledger client: ${(e as Error).message}`);
      }
    });
  }

  get id(): string {
    return this.node.id;
  }

  /** Transactions sent and not yet answered. */
  get pending(): number {
    return this.waiting.size;
  }

  /** Whether this device's link is up (a wallet spends with IOUs while it is not). */
  get online(): boolean {
    return this.node.transport.connected;
  }

  /**
   * Submits `tx` (signed by any device: a payee may submit the IOU it was handed) and resolves
   * once with its settlement. The same transaction submitted again while waiting shares the answer.
   */
  submit(tx: SignedTx, settled?: (s: Settlement) => void): Promise<Settlement> {
    // `settled` hears the answer in the same turn of the clock as it arrives: a virtual-clock run
    // (the simulator) does not wait for promises, so it must not depend on when they resolve.
    const id = txId(tx.body);
    const sig = hex(tx.sig);
    const known = this.waiting.get(id);
    if (known?.sig === sig) {
      if (settled) known.callbacks.push(settled);
      return known.promise;
    }
    if (known) {
      const r: Settlement = { status: "refused", txid: id, reason: "replayed", message: `another transaction with nonce ${tx.body.nonce} of ${tx.body.from} is waiting for its settlement` };
      settled?.(r);
      return Promise.resolve(r);
    }
    let resolve!: (s: Settlement) => void;
    const promise = new Promise<Settlement>((r) => (resolve = r));
    const w: Waiting = { tx, sig, promise, resolve, callbacks: settled ? [settled] : [] };
    this.waiting.set(id, w);
    w.deadline = this.node.clock.after(this.timeoutMs, () =>
      this.finish(id, sig, { status: "refused", txid: id, reason: "timeout", message: `no settlement within ${this.timeoutMs} ms; it may still settle, and submitting the same signed transaction again is safe` }),
    Priority.SYSTEM);
    this.send(w);
    return promise;
  }

  /**
   * Asks the ledger's leader which nonce this device may use next, and its balance: what a
   * wallet that keeps no nonce across a restart does before it signs. Asked again every
   * retryMs; rejects after timeoutMs without an answer.
   */
  nextNonce(): Promise<NextNonce> {
    const q = new Uint8Array(randomBytes(CHALLENGE_BYTES));
    const key = hex(q);
    return new Promise((resolve, reject) => {
      let retry: number | undefined;
      const done = () => {
        this.asking.delete(key);
        if (retry !== undefined) this.node.clock.cancel(retry);
        this.node.clock.cancel(deadline);
      };
      const ask = () => {
        const body: NonceMsg = { q };
        this.node.send(TX_TOPIC, KIND.nonce, body, { qos: 0 });
        retry = this.node.clock.after(this.retryMs, ask, Priority.SYSTEM);
      };
      const deadline = this.node.clock.after(this.timeoutMs, () => {
        done();
        reject(new Error(`ledger client ${this.node.id}: no leader answered which nonce to use within ${this.timeoutMs} ms`));
      }, Priority.SYSTEM);
      this.asking.set(key, (n) => {
        done();
        resolve(n);
      });
      ask();
    });
  }

  /** Stops listening; transactions still waiting resolve as timeouts. */
  close(): void {
    this.off();
    for (const [id, w] of this.waiting) this.finish(id, w.sig, { status: "refused", txid: id, reason: "timeout", message: "the ledger client was closed before an answer came" });
  }

  private send(w: Waiting): void {
    // While the link is down the first copy waits in the store-and-forward queue; more would only pile up.
    const body: TxMsg = { tx: w.tx.wire };
    if (w.retry === undefined || this.online) this.node.send(TX_TOPIC, KIND.tx, body);
    w.retry = this.node.clock.after(this.retryMs, () => this.send(w), Priority.SYSTEM);
  }

  private finish(id: string, sig: string, s: Settlement): void {
    const w = this.waiting.get(id);
    if (!w || w.sig !== sig) return; // an answer about another transaction, or a duplicate answer
    this.waiting.delete(id);
    if (w.retry !== undefined) this.node.clock.cancel(w.retry);
    if (w.deadline !== undefined) this.node.clock.cancel(w.deadline);
    for (const cb of w.callbacks) cb(s);
    w.resolve(s);
  }
}
