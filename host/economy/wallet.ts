// A device's wallet: numbers its transactions, pays with a transfer while its link is up and
// with an IOU while it is down. An IOU waits in the transport's store-and-forward queue and
// settles when the link returns; the ledger lets it overdraw down to the site's credit limit,
// no further. Offline, the wallet bounds itself first: what it last heard its balance was,
// minus everything it spent since without an answer, may not go below -creditLimit. That
// bound is conservative (an incoming payment it has not heard of does not count), so a
// wallet never promises a payee an IOU the ledger would refuse for credit.
import type { DeviceKey } from "../net/keys.ts";
import type { LedgerClient, Settlement } from "./client.ts";
import { signTx, txId, type SignedTx, type TxBody } from "./tx.ts";

export interface WalletOptions {
  /** The site's credit limit (the ledger's rules). */
  creditLimit: number;
  /** The balance this wallet knows it has (from the ledger), default 0. */
  balance?: number;
  /** Last nonce this device used (persisted across restarts), default 0. */
  lastNonce?: number;
}

export class Wallet {
  private known: number;
  private nonce: number;
  /** Spends sent and not yet answered, by txid. */
  private unsettled = new Map<string, number>();
  private readonly creditLimit: number;

  constructor(
    private readonly client: LedgerClient,
    private readonly key: DeviceKey,
    opts: WalletOptions,
  ) {
    if (client.id !== key.id) throw new Error(`wallet: key ${key.id} is not its client's device (${client.id})`);
    if (!Number.isSafeInteger(opts.creditLimit) || opts.creditLimit < 0) throw new RangeError(`wallet creditLimit must be an integer >= 0, got ${opts.creditLimit}`);
    this.creditLimit = opts.creditLimit;
    this.known = opts.balance ?? 0;
    this.nonce = opts.lastNonce ?? 0;
  }

  /**
   * A wallet for a device that kept no nonce (a restart, a replaced board): the ledger's leader
   * says which nonce comes next and what the balance is. Reusing an old nonce would be refused
   * as replayed, or, for the very same payment signed again, answered settled without moving money.
   */
  static async resume(client: LedgerClient, key: DeviceKey, opts: Pick<WalletOptions, "creditLimit">): Promise<Wallet> {
    const n = await client.nextNonce();
    return new Wallet(client, key, { ...opts, balance: n.balance, lastNonce: n.next - 1 });
  }

  /** The balance as far as this wallet can tell: last heard, minus spends not yet settled. */
  get balance(): number {
    let out = 0;
    for (const a of this.unsettled.values()) out += a;
    return this.known - out;
  }

  get lastNonce(): number {
    return this.nonce;
  }

  /** Pays `to`: a transfer while online, an IOU (bounded by the credit limit) while offline. */
  pay(to: string, amount: number, ref = ""): Promise<Settlement> {
    if (this.client.online) return this.spend({ kind: "transfer", to, amount, ref });
    if (this.balance - amount < -this.creditLimit)
      return Promise.resolve({
        status: "refused",
        txid: `${this.key.id}:${this.nonce + 1}`,
        reason: "offline-limit",
        message: `offline IOU of ${amount} would take ${this.key.id} from ${this.balance} below the credit limit -${this.creditLimit}`,
      });
    return this.spend({ kind: "iou", to, amount, ref });
  }

  /** Locks `amount` in escrow `ref` for `to`, settled by `arbiter` (contract-net awards). */
  lock(to: string, amount: number, ref: string, arbiter: string): Promise<Settlement> {
    return this.spend({ kind: "lock", to, amount, ref, arbiter });
  }

  /** As the arbiter of escrow `ref`: release it to the contractor or refund the manager. */
  settle(ref: string, outcome: "release" | "refund"): Promise<Settlement> {
    return this.send(this.sign({ kind: "settle", to: outcome, amount: 0, ref }), 0);
  }

  private spend(body: Pick<TxBody, "kind" | "to" | "amount"> & Partial<Pick<TxBody, "ref" | "arbiter">>): Promise<Settlement> {
    return this.send(this.sign(body), body.amount);
  }

  private sign(body: Pick<TxBody, "kind" | "to" | "amount"> & Partial<Pick<TxBody, "ref" | "arbiter">>): SignedTx {
    const tx = signTx(this.key, { ...body, nonce: this.nonce + 1 });
    this.nonce++;
    return tx;
  }

  private async send(tx: SignedTx, spends: number): Promise<Settlement> {
    const id = txId(tx.body);
    this.unsettled.set(id, spends);
    const s = await this.client.submit(tx);
    // A timeout may still settle: keep counting it against the offline bound.
    if (s.status === "refused" && s.reason === "timeout") return s;
    this.unsettled.delete(id);
    if (s.status === "settled") this.known = s.balance;
    return s;
  }
}
