// A ledger read back from its journal, without changing the file: every entry checked
// (signatures, links, rules) as it is replayed, then what `colony ledger` shows: balances,
// contracts (escrows) and invoices (transfers with an invoice/ ref).
import type { KeyRing } from "../net/keys.ts";
import { Chain, openEntry } from "./chain.ts";
import type { LedgerRules } from "./state.ts";

export interface LedgerView {
  height: number;
  minted: number;
  balances: { account: string; balance: number }[];
  contracts: { escrow: string; from: string; to: string; arbiter: string; amount: number; state: string; bond: boolean }[];
  invoices: { ref: string; from: string; to: string; amount: number; height: number }[];
  /** the first entry that does not check, if any (nothing after it is shown) */
  problem?: string;
}

export function readLedger(data: Uint8Array, rules: LedgerRules, keys: KeyRing): LedgerView {
  const chain = new Chain(rules);
  const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  let off = 0;
  let problem: string | undefined;
  while (off < buf.length) {
    const len = off + 4 <= buf.length ? buf.readUInt32BE(off) : -1;
    if (len < 0 || off + 4 + len > buf.length) {
      problem = `torn entry at byte ${off}`;
      break;
    }
    try {
      chain.append(openEntry(new Uint8Array(buf.subarray(off + 4, off + 4 + len)), keys));
    } catch (e) {
      problem = `entry at byte ${off}: ${(e as Error).message}`;
      break;
    }
    off += 4 + len;
  }
  const st = chain.state;
  return {
    height: chain.height,
    minted: st.minted,
    balances: [...st.balances].sort(([a], [b]) => a.localeCompare(b)).map(([account, balance]) => ({ account, balance })),
    contracts: [...st.escrows.values()].map((e) => ({ escrow: e.id, from: e.from, to: e.to, arbiter: e.arbiter, amount: e.amount, state: e.state, bond: e.id.endsWith("/bond") })),
    invoices: chain.entries.flatMap((e) =>
      e.tx && e.tx.body.kind === "transfer" && e.tx.body.ref.startsWith("invoice/")
        ? [{ ref: e.tx.body.ref, from: e.tx.body.from, to: e.tx.body.to, amount: e.tx.body.amount, height: e.height }]
        : [],
    ),
    ...(problem ? { problem } : {}),
  };
}
