// A ledger node's copy of the chain (merge from an authoritative chain, never below the settled
// height), its persisted promise, and the ledger messages' field checks.
import { mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { makeEntry, signTx, type Entry } from "../../host/economy/index.ts";
import { decodeEntries, decodeHave, decodeTx } from "../../host/economy/messages.ts";
import { PromiseStore } from "../../host/economy/promise.ts";
import { Replica } from "../../host/economy/replica.ts";
import { deviceKeyFromSeed, KeyRing } from "../../host/net/keys.ts";

const k = (id: string, n: number) => deviceKeyFromSeed(id, new Uint8Array(32).fill(n));
const treasury = k("treasury", 1);
const alice = k("alice", 2);
const l1 = k("ledger-1", 3);
const l2 = k("ledger-2", 4);
const ring = new KeyRing();
for (const x of [treasury, alice, l1, l2]) ring.add(x.id, x.publicKey);
const rules = { treasury: "treasury", creditLimit: 0 };

/** A chain written by `leader` in `term` on top of `base`. */
function grow(base: Entry[], leader: typeof l1, term: number, txs: ReturnType<typeof signTx>[]): Entry[] {
  const out = [...base];
  for (const tx of txs) out.push(makeEntry(leader, out.length, term, out.at(-1)?.hash ?? new Uint8Array(32), tx));
  return out;
}

describe("replica merge", () => {
  const mint = signTx(treasury, { kind: "mint", to: "alice", amount: 100, nonce: 1 });
  // a term marker, then the mint
  const base = grow([makeEntry(l1, 0, 1, new Uint8Array(32), null)], l1, 1, [mint]);

  it("appends what it lacks, skips what it holds, and replaces an unsettled conflicting tail", () => {
    const r = Replica.open(rules, ring);
    expect(r.merge(base.map((e) => e.wire), 0)).toEqual({ appended: 2, dropped: 0 });
    expect(r.merge(base.map((e) => e.wire), 0)).toEqual({ appended: 0, dropped: 0 });
    // an old leader's unsettled tail: alice pays bob, in term 1
    const stale = grow(base, l1, 1, [signTx(alice, { kind: "transfer", to: "bob", amount: 70, nonce: 1 })]);
    r.merge([stale[2]!.wire], 2);
    expect(r.chain.state.balance("bob")).toBe(70);
    // the authority's chain went another way at height 2 (a new term's marker, then alice pays carol)
    const authority = grow([...base, makeEntry(l2, 2, 2, base[1]!.hash, null)], l2, 2, [signTx(alice, { kind: "transfer", to: "carol", amount: 80, nonce: 1 })]);
    expect(r.merge(authority.slice(2).map((e) => e.wire), 2)).toEqual({ appended: 2, dropped: 1 });
    expect([r.chain.state.balance("bob"), r.chain.state.balance("carol"), r.height]).toEqual([0, 80, 4]);
  });

  it("never rewrites a settled entry, reports a gap, and asks to resend when its own entry before a link is wrong", () => {
    const r = Replica.open(rules, ring);
    r.merge(base.map((e) => e.wire), 0);
    r.merge([grow(base, l1, 1, [signTx(alice, { kind: "transfer", to: "bob", amount: 70, nonce: 1 })])[2]!.wire], 2);
    r.commit = 3;
    const other = grow([...base, makeEntry(l2, 2, 2, base[1]!.hash, null)], l2, 2, []);
    expect(r.merge([other[2]!.wire], 2).problem).toMatch(/entry 2 conflicts with a settled entry \(settled height 3\)/);
    expect(r.height).toBe(3);
    expect(r.merge([other[2]!.wire], 7).problem).toMatch(/gap: entry 7 while this copy ends at 3/);
    expect(() => r.truncate(1)).toThrow(/cannot drop settled entries/);
    // unsettled: an entry at the tip height whose link does not fit drops our last entry
    r.commit = 2;
    const next = grow(other, l2, 2, [signTx(alice, { kind: "transfer", to: "carol", amount: 5, nonce: 2 })]);
    expect(r.merge([next[3]!.wire], 3)).toMatchObject({ dropped: 1, resendFrom: 2 });
    expect(r.merge(next.slice(2).map((e) => e.wire), 2)).toEqual({ appended: 2, dropped: 0 });
  });
});

describe("promise and messages", () => {
  it("a promise is kept across restarts, never goes back, and a broken file is named", () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "colony-promise-"));
    const file = path.join(dir, "p");
    const p = new PromiseStore(file);
    p.set(4, "ledger-2");
    expect([new PromiseStore(file).term, new PromiseStore(file).leader]).toEqual([4, "ledger-2"]);
    expect(() => p.set(3, "ledger-1")).toThrow(/cannot go back from term 4 to 3/);
    writeFileSync(file, "{ nope");
    expect(() => new PromiseStore(file)).toThrow(/ledger promise file .* is not JSON/);
    writeFileSync(file, JSON.stringify({ term: -1, leader: "x" }));
    expect(() => new PromiseStore(file)).toThrow(/must hold \{ term: integer >= 0, leader: text \}/);
  });

  it("ledger messages name the field that is wrong", () => {
    expect(() => decodeTx({ tx: "abc" })).toThrow(/ledger\.tx: tx must be a byte string/);
    expect(() => decodeEntries({ term: 1, from: 0, entries: [], commit: 0, height: 0, tip: new Uint8Array(31) })).toThrow(/tip must be 32 bytes, got 31/);
    expect(() => decodeEntries({ term: 1, from: 0, entries: Array(300).fill(new Uint8Array(1)), commit: 0, height: 0, tip: new Uint8Array(32) })).toThrow(/at most 256/);
    expect(() => decodeHave([1, 2])).toThrow(/ledger\.have: body must be a map/);
    expect(decodeHave({ term: 2, leader: "l", height: 3, tip: new Uint8Array(32), lastTerm: 1 }).height).toBe(3);
  });
});
