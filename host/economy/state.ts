// The ledger's state machine: balances, spent nonces and escrows, changed only by apply().
// Every rule that keeps money from being created or spent twice lives here, and both the
// leader (before appending) and each follower (before accepting an entry) run it.
import { TxRefused, txId, type SignedTx } from "./tx.ts";

export interface LedgerRules {
  /** The only account allowed to mint. */
  treasury: string;
  /** How far an IOU may overdraw its issuer (bounded credit for offline devices). */
  creditLimit: number;
}

export interface Escrow {
  id: string;
  from: string;
  /** Paid on release. */
  to: string;
  arbiter: string;
  amount: number;
  state: "locked" | "released" | "refunded";
}

/** What apply() did, for receipts and billing. */
export interface Applied {
  txid: string;
  /** A transaction already applied (same signed bytes): nothing changed. */
  duplicate: boolean;
}

export class LedgerState {
  readonly balances = new Map<string, number>();
  readonly escrows = new Map<string, Escrow>();
  minted = 0;
  /** txid -> signature (hex) of the transaction that used it. */
  private spent = new Map<string, string>();
  /** account -> the highest nonce it has used. */
  private highest = new Map<string, number>();

  constructor(readonly rules: LedgerRules) {}

  balance(account: string): number {
    return this.balances.get(account) ?? 0;
  }

  /** A nonce above every one `account` has used (nonces are a spent set: any unused one is taken). */
  nextNonce(account: string): number {
    return (this.highest.get(account) ?? 0) + 1;
  }

  /** Whether this exact transaction (same signature) is already in the ledger. */
  has(tx: SignedTx): boolean {
    return this.spent.get(txId(tx.body)) === Buffer.from(tx.sig).toString("hex");
  }

  /** Checks `tx` against the state without changing it; throws TxRefused. */
  check(tx: SignedTx): void {
    const b = tx.body;
    const id = txId(b);
    const prior = this.spent.get(id);
    if (prior !== undefined) {
      if (prior === Buffer.from(tx.sig).toString("hex")) return;
      throw new TxRefused("replayed", `nonce ${b.nonce} of ${b.from} is already spent by another transaction`);
    }
    switch (b.kind) {
      case "mint":
        if (b.from !== this.rules.treasury) throw new TxRefused("unauthorized", `${b.from} is not the treasury (${this.rules.treasury})`);
        return;
      case "transfer":
      case "lock":
        if (this.balance(b.from) < b.amount) throw new TxRefused("overdrawn", `${b.from} has ${this.balance(b.from)}, needs ${b.amount}`);
        if (b.kind === "lock" && this.escrows.has(b.ref)) throw new TxRefused("replayed", `escrow ${b.ref} already exists`);
        return;
      case "iou":
        if (this.balance(b.from) - b.amount < -this.rules.creditLimit)
          throw new TxRefused("overdrawn", `IOU of ${b.amount} takes ${b.from} from ${this.balance(b.from)} below the credit limit -${this.rules.creditLimit}`);
        return;
      case "settle": {
        const e = this.escrows.get(b.ref);
        if (!e) throw new TxRefused("unknown-escrow", `no escrow ${b.ref}`);
        if (e.arbiter !== b.from) throw new TxRefused("unauthorized", `escrow ${b.ref} is settled by ${e.arbiter}, not ${b.from}`);
        if (e.state !== "locked") throw new TxRefused("settled", `escrow ${b.ref} is already ${e.state}`);
        return;
      }
    }
  }

  apply(tx: SignedTx): Applied {
    this.check(tx);
    const b = tx.body;
    const id = txId(b);
    if (this.spent.has(id)) return { txid: id, duplicate: true };
    this.spent.set(id, Buffer.from(tx.sig).toString("hex"));
    if (b.nonce > (this.highest.get(b.from) ?? 0)) this.highest.set(b.from, b.nonce);
    const add = (a: string, n: number) => this.balances.set(a, this.balance(a) + n);
    switch (b.kind) {
      case "mint":
        this.minted += b.amount;
        add(b.to, b.amount);
        break;
      case "transfer":
      case "iou":
        add(b.from, -b.amount);
        add(b.to, b.amount);
        break;
      case "lock":
        add(b.from, -b.amount);
        this.escrows.set(b.ref, { id: b.ref, from: b.from, to: b.to, arbiter: b.arbiter, amount: b.amount, state: "locked" });
        break;
      case "settle": {
        const e = this.escrows.get(b.ref)!;
        e.state = b.to === "release" ? "released" : "refunded";
        add(e.state === "released" ? e.to : e.from, e.amount);
        break;
      }
    }
    return { txid: id, duplicate: false };
  }

  /** Money held: balances plus locked escrows. Always equals `minted`. */
  held(): number {
    let s = 0;
    for (const v of this.balances.values()) s += v;
    for (const e of this.escrows.values()) if (e.state === "locked") s += e.amount;
    return s;
  }
}
