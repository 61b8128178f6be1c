// The hash-chained ledger: each entry holds one signed transaction, the hash of the entry before
// it and the term of the leader that appended it, signed by that leader. The chain owns the
// state it implies, so an entry is accepted only if its transaction applies.
// A new leader's first entry is a term marker (no transaction, empty bytes on the wire): once a
// majority holds it, everything before it is settled too (see node.ts, "commit rule").
import { createHash } from "node:crypto";
import { cborDecode, cborEncode } from "../net/cbor.ts";
import { signBytes, type DeviceKey, type KeyRing } from "../net/keys.ts";
import { LedgerState, type LedgerRules } from "./state.ts";
import { openTx, txId, TxRefused, type SignedTx } from "./tx.ts";

export const GENESIS = new Uint8Array(32);

export interface Entry {
  height: number;
  term: number;
  leader: string;
  prev: Uint8Array;
  /** null: the term marker a new leader appends first. */
  tx: SignedTx | null;
  sig: Uint8Array;
  /** sha256 of the wire form. */
  hash: Uint8Array;
  wire: Uint8Array;
}

/** Why an entry (not its transaction) is unacceptable. */
export class EntryError extends Error {
  constructor(message: string) {
    super(`ledger entry refused: ${message}`);
    this.name = "EntryError";
  }
}

function signed(height: number, term: number, leader: string, prev: Uint8Array, tx: Uint8Array): Uint8Array {
  return cborEncode([height, term, leader, prev, tx]);
}

function sha256(b: Uint8Array): Uint8Array {
  return new Uint8Array(createHash("sha256").update(b).digest());
}

const NO_TX = new Uint8Array(0);

export function makeEntry(key: DeviceKey, height: number, term: number, prev: Uint8Array, tx: SignedTx | null): Entry {
  const txWire = tx?.wire ?? NO_TX;
  const sig = signBytes(key, signed(height, term, key.id, prev, txWire));
  const wire = cborEncode([height, term, key.id, prev, txWire, sig]);
  return { height, term, leader: key.id, prev, tx, sig, hash: sha256(wire), wire };
}

/** Decodes an entry and checks the leader's signature and the transaction's. */
export function openEntry(wire: Uint8Array, keys: KeyRing): Entry {
  let a: unknown;
  try {
    a = cborDecode(wire);
  } catch (e) {
    throw new EntryError(`not CBOR (${(e as Error).message})`);
  }
  if (!Array.isArray(a) || a.length !== 6) throw new EntryError("expected [height, term, leader, prev, tx, sig]");
  const [height, term, leader, prev, txWire, sig] = a as [number, number, string, Uint8Array, Uint8Array, Uint8Array];
  if (!Number.isSafeInteger(height) || height < 0 || !Number.isSafeInteger(term) || term < 0) throw new EntryError("height and term must be integers >= 0");
  if (typeof leader !== "string" || !(prev instanceof Uint8Array) || prev.length !== 32 || !(txWire instanceof Uint8Array) || !(sig instanceof Uint8Array))
    throw new EntryError("bad field types");
  if (!keys.verify(leader, signed(height, term, leader, prev, txWire), sig)) throw new EntryError(`leader signature of ${leader} does not verify (height ${height})`);
  let tx: SignedTx | null = null;
  if (txWire.length > 0) try {
    tx = openTx(txWire, keys);
  } catch (e) {
    throw new EntryError(`height ${height}: ${(e as Error).message}`);
  }
  return { height, term, leader, prev, tx, sig, hash: sha256(wire), wire };
}

export function sameHash(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.compare(a, b) === 0;
}

export class Chain {
  readonly entries: Entry[] = [];
  state: LedgerState;
  /** txid -> height of the entry holding it. */
  private where = new Map<string, number>();

  constructor(readonly rules: LedgerRules) {
    this.state = new LedgerState(rules);
  }

  get height(): number {
    return this.entries.length;
  }

  get tip(): Uint8Array {
    return this.entries.at(-1)?.hash ?? GENESIS;
  }

  get lastTerm(): number {
    return this.entries.at(-1)?.term ?? 0;
  }

  /** Appends an entry that continues this chain and whose transaction applies. */
  append(e: Entry): void {
    if (e.height !== this.height) throw new EntryError(`height ${e.height} does not follow ${this.height}`);
    if (!sameHash(e.prev, this.tip)) throw new EntryError(`height ${e.height} does not link to the tip`);
    if (e.term < this.lastTerm) throw new EntryError(`term ${e.term} is older than the tip's ${this.lastTerm}`);
    if (e.tx === null) {
      this.entries.push(e);
      return;
    }
    if (this.state.has(e.tx)) throw new EntryError(`height ${e.height} repeats a transaction already in the chain`);
    try {
      this.state.apply(e.tx);
    } catch (err) {
      if (err instanceof TxRefused) throw new EntryError(`height ${e.height}: ${err.message}`);
      throw err;
    }
    this.entries.push(e);
    this.where.set(txId(e.tx.body), e.height);
  }

  /** Height of the entry holding this exact transaction (same signature), if the chain has it. */
  heightOf(tx: SignedTx): number | undefined {
    const h = this.where.get(txId(tx.body));
    return h !== undefined && this.state.has(tx) ? h : undefined;
  }

  /** Drops entries from `height` on (uncommitted ones a newer leader replaced) and rebuilds the state. */
  truncate(height: number): Entry[] {
    const dropped = this.entries.splice(height);
    this.state = new LedgerState(this.rules);
    for (const e of dropped) if (e.tx) this.where.delete(txId(e.tx.body));
    for (const e of this.entries) if (e.tx) this.state.apply(e.tx);
    return dropped;
  }
}
