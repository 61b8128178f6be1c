// Signed ledger transactions. The signed bytes are the CBOR array
// [v, kind, from, to, amount, nonce, ref, arbiter]: only integers and text, whose shortest CBOR
// form is unique, so any implementation (host, SDK, firmware) rebuilds the same bytes.
// The wire form is the CBOR array [signedBytes, signature].
import { cborDecode, cborEncode } from "../net/cbor.ts";
import { signBytes, type DeviceKey, type KeyRing } from "../net/keys.ts";

export const TX_VERSION = 1;

/** transfer: pay from a balance. iou: an offline spend, may overdraw down to the credit limit.
 *  mint: the treasury creates money. lock: put money in escrow `ref` (released to `to`,
 *  refunded to `from`, decided by `arbiter`). settle: the arbiter releases (`to` = "release")
 *  or refunds (`to` = "refund") escrow `ref`. */
export type TxKind = "transfer" | "iou" | "mint" | "lock" | "settle";
const KINDS: readonly TxKind[] = ["transfer", "iou", "mint", "lock", "settle"];

export interface TxBody {
  kind: TxKind;
  from: string;
  to: string;
  /** Integer units (no fractions: balances add exactly). */
  amount: number;
  /** Per-sender number, used once: (from, nonce) names the transaction. */
  nonce: number;
  /** Escrow id for lock/settle, free text (an invoice id) otherwise. */
  ref: string;
  /** Who may settle a lock; "" otherwise. */
  arbiter: string;
}

export interface SignedTx {
  body: TxBody;
  /** The bytes the signature covers. */
  bytes: Uint8Array;
  sig: Uint8Array;
  /** The wire form, [bytes, sig] in CBOR. */
  wire: Uint8Array;
}

export type Refusal = "malformed" | "forged" | "replayed" | "overdrawn" | "unauthorized" | "unknown-escrow" | "settled";

/** A transaction the ledger will not take, with the reason as data and in words. */
export class TxRefused extends Error {
  constructor(
    readonly reason: Refusal,
    message: string,
  ) {
    super(`transaction refused (${reason}): ${message}`);
    this.name = "TxRefused";
  }
}

export function txId(b: Pick<TxBody, "from" | "nonce">): string {
  return `${b.from}:${b.nonce}`;
}

function bodyArray(b: TxBody): unknown[] {
  return [TX_VERSION, b.kind, b.from, b.to, b.amount, b.nonce, b.ref, b.arbiter];
}

export function signTx(key: DeviceKey, body: Omit<TxBody, "from" | "ref" | "arbiter"> & Partial<Pick<TxBody, "ref" | "arbiter">>): SignedTx {
  const full: TxBody = { ref: "", arbiter: "", ...body, from: key.id };
  checkBody(full);
  const bytes = cborEncode(bodyArray(full));
  const sig = signBytes(key, bytes);
  return { body: full, bytes, sig, wire: cborEncode([bytes, sig]) };
}

const ID = /^[A-Za-z0-9][A-Za-z0-9_:.\/-]{0,63}$/;

function checkBody(b: TxBody): void {
  const bad = (m: string) => new TxRefused("malformed", m);
  if (!KINDS.includes(b.kind)) throw bad(`kind must be one of ${KINDS.join(", ")}, got ${JSON.stringify(b.kind)}`);
  if (typeof b.from !== "string" || !ID.test(b.from)) throw bad(`from must be a device id, got ${JSON.stringify(b.from)}`);
  if (typeof b.to !== "string" || !ID.test(b.to)) throw bad(`to must be an account id, got ${JSON.stringify(b.to)}`);
  if (!Number.isSafeInteger(b.nonce) || b.nonce < 1) throw bad(`nonce must be a positive integer, got ${b.nonce}`);
  if (typeof b.ref !== "string" || b.ref.length > 64) throw bad("ref must be text of at most 64 characters");
  if (typeof b.arbiter !== "string" || (b.arbiter !== "" && !ID.test(b.arbiter))) throw bad(`arbiter must be a device id or "", got ${JSON.stringify(b.arbiter)}`);
  if (b.kind === "settle") {
    if (b.to !== "release" && b.to !== "refund") throw bad(`a settle's to must be "release" or "refund", got ${JSON.stringify(b.to)}`);
    if (b.amount !== 0) throw bad("a settle carries amount 0 (the escrow decides the sum)");
    if (b.ref === "") throw bad("a settle names its escrow in ref");
    return;
  }
  if (!Number.isSafeInteger(b.amount) || b.amount < 1) throw bad(`amount must be a positive integer, got ${b.amount}`);
  if (b.to === b.from) throw bad("from and to are the same account");
  if (b.kind === "lock" && (b.ref === "" || b.arbiter === "")) throw bad("a lock names its escrow (ref) and its arbiter");
}

/** Decodes and checks a wire transaction: shape, then signature. Throws TxRefused. */
export function openTx(wire: Uint8Array, keys: KeyRing): SignedTx {
  let outer: unknown;
  try {
    outer = cborDecode(wire);
  } catch (e) {
    throw new TxRefused("malformed", `not CBOR (${(e as Error).message})`);
  }
  if (!Array.isArray(outer) || outer.length !== 2 || !(outer[0] instanceof Uint8Array) || !(outer[1] instanceof Uint8Array))
    throw new TxRefused("malformed", "expected the array [signed bytes, signature]");
  const bytes = outer[0];
  const sig = outer[1];
  let inner: unknown;
  try {
    inner = cborDecode(bytes);
  } catch (e) {
    throw new TxRefused("malformed", `signed bytes are not CBOR (${(e as Error).message})`);
  }
  if (!Array.isArray(inner) || inner.length !== 8) throw new TxRefused("malformed", "signed bytes must be an array of 8 fields");
  if (inner[0] !== TX_VERSION) throw new TxRefused("malformed", `unsupported version ${String(inner[0])}`);
  const [, kind, from, to, amount, nonce, ref, arbiter] = inner as [number, TxKind, string, string, number, number, string, string];
  const body: TxBody = { kind, from, to, amount, nonce, ref, arbiter };
  checkBody(body);
  if (!keys.has(from)) throw new TxRefused("forged", `no key known for ${from}`);
  if (!keys.verify(from, bytes, sig)) throw new TxRefused("forged", `signature does not verify against ${from}'s key`);
  return { body, bytes, sig, wire };
}
