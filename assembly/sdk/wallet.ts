// The device's wallet, through the host: the host holds the device's key, signs what the
// agent asks for and submits it to the site ledger. The agent gets a handle to poll.
import { wallet_balance, wallet_id, wallet_status, wallet_tx } from "./abi";

function tx(kind: i32, to: string, amount: f64, ref: string, arbiter: string): i32 {
  const t = String.UTF8.encode(to);
  const r = String.UTF8.encode(ref);
  const a = String.UTF8.encode(arbiter);
  return wallet_tx(kind, changetype<usize>(t), t.byteLength, amount, changetype<usize>(r), r.byteLength, changetype<usize>(a), a.byteLength);
}

export namespace wallet {
  /** wallet_status: settled */
  export const SETTLED: i32 = 1;
  /** wallet_status: not answered yet */
  export const PENDING: i32 = 0;
  /** wallet_status: the ledger refused it */
  export const REFUSED: i32 = -6;

  /** The device's ledger account ("" when the device has no wallet). */
  export function id(): string {
    const buf = new Uint8Array(64);
    const n = wallet_id(buf.dataStart, buf.length);
    if (n <= 0) return "";
    return String.UTF8.decodeUnsafe(buf.dataStart, n < buf.length ? n : buf.length);
  }
  export function transfer(to: string, amount: f64, ref: string): i32 {
    return tx(1, to, amount, ref, "");
  }
  /** Puts `amount` in escrow `ref`: paid to `to` on release, back here on refund, decided by `arbiter`. */
  export function lock(ref: string, to: string, amount: f64, arbiter: string): i32 {
    return tx(3, to, amount, ref, arbiter);
  }
  /** As the escrow's arbiter: pays it to its payee. */
  export function release(ref: string): i32 {
    return tx(4, "", 0, ref, "");
  }
  /** As the escrow's arbiter: gives it back to whoever locked it. */
  export function refund(ref: string): i32 {
    return tx(5, "", 0, ref, "");
  }
  export function status(handle: i32): i32 {
    return wallet_status(handle);
  }
  /** The balance of `account`, this device's own when "" (NaN without a wallet). */
  export function balance(account: string = ""): f64 {
    const a = String.UTF8.encode(account);
    return wallet_balance(changetype<usize>(a), a.byteLength);
  }
}
