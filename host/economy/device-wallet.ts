// A device's wallet: the host end of the `wallet` ABI calls. It holds the device's Ed25519 key
// (provisioned with the device) and its nonce; an agent asks for a transaction by kind and
// fields, the wallet builds and signs the body and submits it to the site ledger. The key is
// never copied into an agent's linear memory: agents only get a handle and its status.
import { AbiError, WalletStatus, WalletTxKind } from "../kernel/abi.ts";
import type { TraceEvent } from "../kernel/trace.ts";
import type { WalletPort } from "../kernel/services.ts";
import type { DeviceKey } from "../net/keys.ts";
import type { LedgerSettlement, SiteLedger } from "./site-ledger.ts";
import { signTx, TxRefused, type TxBody, type TxKind } from "./tx.ts";

const KIND_BY_CODE: ReadonlyMap<number, TxKind> = new Map([
  [WalletTxKind.TRANSFER, "transfer"],
  [WalletTxKind.IOU, "iou"],
  [WalletTxKind.LOCK, "lock"],
  [WalletTxKind.RELEASE, "settle"],
  [WalletTxKind.REFUND, "settle"],
]);

/** Handles remembered per wallet; older ones are forgotten (NOT_FOUND). */
const KEPT = 256;

export class DeviceWallet implements WalletPort {
  private nonce = 0;
  private readonly settled = new Map<number, LedgerSettlement | undefined>();

  constructor(
    private readonly key: DeviceKey,
    private readonly ledger: SiteLedger,
    private readonly trace: (e: Omit<TraceEvent, "t" | "device">) => void = () => {},
  ) {}

  get account(): string {
    return this.key.id;
  }

  submit(agent: string, code: number, to: string, amount: number, ref: string, arbiter: string): number {
    const kind = KIND_BY_CODE.get(code);
    if (!kind) return this.invalid(agent, `kind ${code} is not a wallet transaction (1 transfer, 2 iou, 3 lock, 4 release, 5 refund)`);
    const body: Omit<TxBody, "from"> =
      kind === "settle"
        ? { kind, to: code === WalletTxKind.RELEASE ? "release" : "refund", amount: 0, nonce: this.nonce + 1, ref, arbiter: "" }
        : { kind, to, amount, nonce: this.nonce + 1, ref, arbiter: kind === "lock" ? arbiter : "" };
    let tx;
    try {
      tx = signTx(this.key, body);
    } catch (e) {
      if (e instanceof TxRefused) return this.invalid(agent, e.message);
      throw e;
    }
    const handle = ++this.nonce;
    this.settled.set(handle, undefined);
    this.settled.delete(handle - KEPT);
    const what = `${kind === "settle" ? body.to : kind} ${kind === "settle" ? "" : `${amount} to ${to} `}${ref ? `(${ref})` : ""}`.trim();
    this.ledger.submit(tx, (s) => {
      if (this.settled.has(handle)) this.settled.set(handle, s);
      this.trace({
        type: "wallet",
        agent,
        text: s.status === "settled" ? `${what}: settled at height ${s.height}` : `${what}: refused (${s.reason}): ${s.message}`,
        data: { kind: body.kind, to: body.to, amount: body.amount, ref, status: s.status, ...(s.status === "refused" ? { reason: s.reason } : {}) },
      });
    });
    return handle;
  }

  status(handle: number): number {
    if (!this.settled.has(handle)) return AbiError.NOT_FOUND;
    const s = this.settled.get(handle);
    if (!s) return WalletStatus.PENDING;
    return s.status === "settled" ? WalletStatus.SETTLED : AbiError.REFUSED;
  }

  balance(account: string): number {
    return this.ledger.balance(account);
  }

  private invalid(agent: string, why: string): number {
    this.trace({ type: "refused", agent, text: `${agent} wallet_tx refused: ${why}` });
    return AbiError.INVALID;
  }
}
