// What the site's ledger nodes and their clients say on the bus (docs/economy.md, "Replication";
// docs/protocol.md, "Ledger"). Every message is a sealed envelope on a topic under
// colony/<site>/; a body is checked field by field on arrival and a bad one is dropped with its
// problem named, never acted on.

/** A client (any device) submits a signed transaction: { tx }. Every ledger node listens; the leader acts. */
export const TX_TOPIC = "ledger/tx";
/** The leader's answer to the device that submitted: `ledger/ack/<device>`. */
export const ackTopic = (device: string): string => `ledger/ack/${device}`;
export const ACK_FILTER = "ledger/ack/+";
/** The leader replicates chain entries to every follower (new entries and heartbeats). */
export const ENTRY_TOPIC = "ledger/entry";
/** Catch-up for one follower that missed entries: `ledger/sync/<node>`. */
export const syncTopic = (node: string): string => `ledger/sync/${node}`;
/** A ledger node reports what it holds to the node it answers (entries, a recovery): `ledger/have/<node>`. */
export const haveTopic = (node: string): string => `ledger/have/${node}`;
/** A node standing as leader asks every ledger node for its promise and what it holds. */
export const RECOVER_TOPIC = "ledger/recover";
/** The new leader fetches the entries it lacks from the most up-to-date node: `ledger/fetch/<node>`. */
export const fetchTopic = (node: string): string => `ledger/fetch/${node}`;
/** ... which supplies them on `ledger/supply/<leader>`. */
export const supplyTopic = (node: string): string => `ledger/supply/${node}`;

export const KIND = {
  tx: "ledger.tx",
  /** A device asks the leader, on ledger/tx, which nonce its account may use next. */
  nonce: "ledger.nonce",
  /** ... and is answered on ledger/ack/<device>. */
  next: "ledger.next",
  ack: "ledger.ack",
  refused: "ledger.refused",
  entries: "ledger.entries",
  have: "ledger.have",
  recover: "ledger.recover",
  fetch: "ledger.fetch",
  supply: "ledger.supply",
} as const;

export interface TxMsg {
  /** The transaction's wire form ([signed bytes, signature]). */
  tx: Uint8Array;
}

export interface AckMsg {
  txid: string;
  /** The transaction's signature: which transaction of that id this is about. */
  sig: Uint8Array;
  /** Index of its entry in the chain. */
  height: number;
  term: number;
  /** sha256 of its entry. */
  hash: Uint8Array;
  /** The payer's balance just after the entry (its wallet's bound for offline IOUs). */
  balance: number;
}

/**
 * A device that keeps no nonce across a restart (the firmware's wallet) asks which one to use
 * next; `q` is its challenge, echoed in the answer, so an answer to an earlier boot's question
 * is not taken for this one's.
 */
export interface NonceMsg {
  q: Uint8Array;
}

/** The leader's answer about the asking device's own account. */
export interface NextMsg {
  q: Uint8Array;
  /** Above every nonce of the account in the leader's chain and among what it has deferred. */
  next: number;
  /** The account's balance in the leader's chain (settled or not yet). */
  balance: number;
  /** The leader's chain height when it answered. */
  height: number;
}

/** Length of a nonce question's challenge. */
export const CHALLENGE_BYTES = 16;

export interface RefusedMsg {
  txid: string;
  sig: Uint8Array;
  reason: string;
  message: string;
}

/** Entries from height `from` on (maybe none: a heartbeat), with the leader's tip and commit. */
export interface EntriesMsg {
  term: number;
  from: number;
  entries: Uint8Array[];
  /** Entries below this height are settled (held by a majority). */
  commit: number;
  /** The leader's chain height and tip hash when it sent this. */
  height: number;
  tip: Uint8Array;
}

export interface HaveMsg {
  /** The term this answers (the sender's promise). */
  term: number;
  /** Who the sender promised to follow in that term. */
  leader: string;
  height: number;
  tip: Uint8Array;
  /** Term of the sender's last entry: with height, how up to date its chain is. */
  lastTerm: number;
}

export interface RecoverMsg {
  term: number;
}

export interface FetchMsg {
  term: number;
  from: number;
}

export interface SupplyMsg {
  term: number;
  from: number;
  entries: Uint8Array[];
  /** The supplier's height: more entries follow when from + entries.length < height. */
  height: number;
}

/** A body that is not what its kind says; the message names the field. */
export class LedgerMessageError extends Error {
  constructor(kind: string, message: string) {
    super(`${kind}: ${message}`);
    this.name = "LedgerMessageError";
  }
}

type Fields = Record<string, unknown>;

function map(kind: string, b: unknown): Fields {
  if (typeof b !== "object" || b === null || Array.isArray(b) || b instanceof Uint8Array) throw new LedgerMessageError(kind, "body must be a map");
  return b as Fields;
}
function count(kind: string, o: Fields, f: string): number {
  const x = o[f];
  if (!Number.isSafeInteger(x) || (x as number) < 0) throw new LedgerMessageError(kind, `${f} must be an integer >= 0, got ${JSON.stringify(x)}`);
  return x as number;
}
function int(kind: string, o: Fields, f: string): number {
  const x = o[f];
  if (!Number.isSafeInteger(x)) throw new LedgerMessageError(kind, `${f} must be an integer, got ${JSON.stringify(x)}`);
  return x as number;
}
function bytes(kind: string, o: Fields, f: string, length?: number): Uint8Array {
  const x = o[f];
  if (!(x instanceof Uint8Array)) throw new LedgerMessageError(kind, `${f} must be a byte string`);
  if (length !== undefined && x.length !== length) throw new LedgerMessageError(kind, `${f} must be ${length} bytes, got ${x.length}`);
  return x;
}
function text(kind: string, o: Fields, f: string): string {
  const x = o[f];
  if (typeof x !== "string" || x.length === 0 || x.length > 200) throw new LedgerMessageError(kind, `${f} must be non-empty text`);
  return x;
}
function list(kind: string, o: Fields, f: string, max: number): Uint8Array[] {
  const x = o[f];
  if (!Array.isArray(x) || x.length > max || !x.every((e) => e instanceof Uint8Array)) throw new LedgerMessageError(kind, `${f} must be a list of at most ${max} byte strings`);
  return x as Uint8Array[];
}

/** The most entries one message carries (a catch-up sends batches). */
export const MAX_BATCH = 256;

export function decodeTx(b: unknown): TxMsg {
  return { tx: bytes(KIND.tx, map(KIND.tx, b), "tx") };
}
export function decodeNonce(b: unknown): NonceMsg {
  return { q: bytes(KIND.nonce, map(KIND.nonce, b), "q", CHALLENGE_BYTES) };
}
export function decodeNext(b: unknown): NextMsg {
  const o = map(KIND.next, b);
  const k = KIND.next;
  const next = count(k, o, "next");
  if (next < 1) throw new LedgerMessageError(k, `next must be >= 1, got ${next}`);
  return { q: bytes(k, o, "q", CHALLENGE_BYTES), next, balance: int(k, o, "balance"), height: count(k, o, "height") };
}
export function decodeAck(b: unknown): AckMsg {
  const o = map(KIND.ack, b);
  const k = KIND.ack;
  return { txid: text(k, o, "txid"), sig: bytes(k, o, "sig", 64), height: count(k, o, "height"), term: count(k, o, "term"), hash: bytes(k, o, "hash", 32), balance: int(k, o, "balance") };
}
export function decodeRefused(b: unknown): RefusedMsg {
  const o = map(KIND.refused, b);
  const k = KIND.refused;
  return { txid: text(k, o, "txid"), sig: bytes(k, o, "sig", 64), reason: text(k, o, "reason"), message: text(k, o, "message") };
}
export function decodeEntries(b: unknown): EntriesMsg {
  const o = map(KIND.entries, b);
  const k = KIND.entries;
  return { term: count(k, o, "term"), from: count(k, o, "from"), entries: list(k, o, "entries", MAX_BATCH), commit: count(k, o, "commit"), height: count(k, o, "height"), tip: bytes(k, o, "tip", 32) };
}
export function decodeHave(b: unknown): HaveMsg {
  const o = map(KIND.have, b);
  const k = KIND.have;
  return { term: count(k, o, "term"), leader: text(k, o, "leader"), height: count(k, o, "height"), tip: bytes(k, o, "tip", 32), lastTerm: count(k, o, "lastTerm") };
}
export function decodeRecover(b: unknown): RecoverMsg {
  return { term: count(KIND.recover, map(KIND.recover, b), "term") };
}
export function decodeFetch(b: unknown): FetchMsg {
  const o = map(KIND.fetch, b);
  return { term: count(KIND.fetch, o, "term"), from: count(KIND.fetch, o, "from") };
}
export function decodeSupply(b: unknown): SupplyMsg {
  const o = map(KIND.supply, b);
  const k = KIND.supply;
  return { term: count(k, o, "term"), from: count(k, o, "from"), entries: list(k, o, "entries", MAX_BATCH), height: count(k, o, "height") };
}
