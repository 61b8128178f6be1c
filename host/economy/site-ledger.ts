// The site's ledger as a device's wallet sees it: submit a signed transaction, learn once whether
// it settled or was refused, with the reason. The replicated ledger (LedgerClient over the bus)
// has this shape; LocalLedger is the one-node version the simulator runs until that lands: the
// same rules (LedgerState), the same leader-signed hash chain (Chain) and journal (Journal).
// The answer comes through a callback, not a promise: a promise resolves when the event loop
// turns, which the virtual clock does not wait for, so runs would stop being reproducible.
import type { DeviceKey, KeyRing } from "../net/keys.ts";
import { Chain, makeEntry, type Entry } from "./chain.ts";
import type { Journal } from "./journal.ts";
import type { LedgerRules } from "./state.ts";
import { openTx, TxRefused, txId, type Refusal, type SignedTx } from "./tx.ts";

/** In the chain (the fields LedgerClient's Ack carries). */
export interface LedgerAck {
  status: "settled";
  txid: string;
  height: number;
  term: number;
  /** sha256 of its entry, hex */
  hash: string;
  /** the payer's balance just after it */
  balance: number;
}

export interface LedgerRefusal {
  status: "refused";
  txid: string;
  reason: Refusal | "timeout";
  message: string;
}

export type LedgerSettlement = LedgerAck | LedgerRefusal;

export interface SiteLedger {
  submit(tx: SignedTx, settled: (s: LedgerSettlement) => void): void;
  /** the ledger's balance of an account as this end knows it */
  balance(account: string): number;
}

/** One ledger node in the same process: applies on submit, answers at once. */
export class LocalLedger implements SiteLedger {
  readonly chain: Chain;
  /** every entry as appended, for the report's figures */
  readonly listeners: ((e: Entry, at: number) => void)[] = [];

  constructor(
    rules: LedgerRules,
    private readonly leader: DeviceKey,
    private readonly keys: KeyRing,
    private readonly now: () => number,
    private readonly journal?: Journal,
    private readonly term = 1,
  ) {
    this.chain = new Chain(rules);
  }

  submit(tx: SignedTx, settled: (s: LedgerSettlement) => void): void {
    settled(this.apply(tx));
  }

  apply(tx: SignedTx): LedgerSettlement {
    const txid = txId(tx.body);
    try {
      // what came over the wire is checked again here, as a remote node would: shape and signature
      openTx(tx.wire, this.keys);
      if (this.chain.state.has(tx)) return this.ack(txid, this.chain.entries.find((e) => e.tx?.body.from === tx.body.from && e.tx.body.nonce === tx.body.nonce)!);
      this.chain.state.check(tx);
    } catch (e) {
      if (e instanceof TxRefused) return { status: "refused", txid, reason: e.reason, message: e.message };
      throw e;
    }
    const entry = makeEntry(this.leader, this.chain.height, this.term, this.chain.tip, tx);
    this.chain.append(entry);
    this.journal?.append(entry);
    for (const l of this.listeners) l(entry, this.now());
    return this.ack(txid, entry);
  }

  balance(account: string): number {
    return this.chain.state.balance(account);
  }

  private ack(txid: string, e: Entry): LedgerAck {
    return { status: "settled", txid, height: e.height, term: e.term, hash: Buffer.from(e.hash).toString("hex"), balance: this.chain.state.balance(e.tx?.body.from ?? "") };
  }
}
