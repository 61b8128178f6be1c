// The ledger's rules on signed transactions, the chain's links and the journal's recovery.
import { appendFileSync, mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { Chain, EntryError, Journal, LedgerState, makeEntry, openEntry, openTx, signTx, TxRefused, type SignedTx } from "../../host/economy/index.ts";
import { cborEncode } from "../../host/net/cbor.ts";
import { deviceKeyFromSeed, KeyRing } from "../../host/net/keys.ts";

const key = (id: string, n: number) => deviceKeyFromSeed(id, new Uint8Array(32).fill(n));
const treasury = key("treasury", 1);
const alice = key("alice", 2);
const bob = key("bob", 3);
const verifier = key("verifier", 4);
const leader = key("ledger-1", 5);
const ring = new KeyRing();
for (const k of [treasury, alice, bob, verifier, leader]) ring.add(k.id, k.publicKey);
const rules = { treasury: "treasury", creditLimit: 50 };

function refusal(fn: () => unknown): TxRefused {
  try {
    fn();
  } catch (e) {
    if (e instanceof TxRefused) return e;
    throw e;
  }
  throw new Error("not refused");
}

describe("ledger state", () => {
  it("mints, transfers, and keeps the money supply exact", () => {
    const s = new LedgerState(rules);
    s.apply(signTx(treasury, { kind: "mint", to: "alice", amount: 100, nonce: 1 }));
    s.apply(signTx(alice, { kind: "transfer", to: "bob", amount: 30, nonce: 1 }));
    expect([s.balance("alice"), s.balance("bob"), s.minted, s.held()]).toEqual([70, 30, 100, 100]);
  });

  it("refuses forged, replayed, overdrawn, unauthorised and malformed transactions with their reason", () => {
    const s = new LedgerState(rules);
    s.apply(signTx(treasury, { kind: "mint", to: "alice", amount: 100, nonce: 1 }));
    const pay = signTx(alice, { kind: "transfer", to: "bob", amount: 30, nonce: 7 });
    s.apply(pay);
    // the same transaction delivered twice changes nothing
    expect(s.apply(pay)).toEqual({ txid: "alice:7", duplicate: true });
    expect(s.balance("bob")).toBe(30);
    // another transaction on a spent nonce is a double spend
    expect(refusal(() => s.apply(signTx(alice, { kind: "transfer", to: "bob", amount: 31, nonce: 7 }))).reason).toBe("replayed");
    expect(refusal(() => s.apply(signTx(alice, { kind: "transfer", to: "bob", amount: 71, nonce: 8 }))).message).toMatch(/overdrawn\): alice has 70, needs 71/);
    expect(refusal(() => s.apply(signTx(alice, { kind: "mint", to: "bob", amount: 5, nonce: 9 }))).reason).toBe("unauthorized");
    // bob's signature on alice's transfer: forged
    const forged = cborEncode([pay.bytes, signTx(bob, { kind: "transfer", to: "alice", amount: 1, nonce: 1 }).sig]);
    expect(refusal(() => openTx(forged, ring)).message).toMatch(/forged\): signature does not verify against alice's key/);
    expect(refusal(() => openTx(new Uint8Array([0xff, 0x00]), ring)).reason).toBe("malformed");
    expect(refusal(() => signTx(alice, { kind: "transfer", to: "bob", amount: 0, nonce: 10 })).message).toMatch(/amount must be a positive integer/);
    expect(s.held()).toBe(s.minted);
  });

  it("an offline device spends with IOUs down to its credit limit, no further", () => {
    const s = new LedgerState(rules);
    s.apply(signTx(treasury, { kind: "mint", to: "alice", amount: 10, nonce: 1 }));
    s.apply(signTx(alice, { kind: "iou", to: "bob", amount: 40, nonce: 1 })); // 10 - 40 = -30
    expect(s.balance("alice")).toBe(-30);
    expect(refusal(() => s.apply(signTx(alice, { kind: "iou", to: "bob", amount: 21, nonce: 2 }))).message).toMatch(/below the credit limit -50/);
    s.apply(signTx(alice, { kind: "iou", to: "bob", amount: 20, nonce: 3 }));
    expect(s.balance("alice")).toBe(-50);
  });

  it("escrow: locked on award, released by the verifier, or refunded; settled once", () => {
    const s = new LedgerState(rules);
    s.apply(signTx(treasury, { kind: "mint", to: "alice", amount: 100, nonce: 1 }));
    s.apply(signTx(alice, { kind: "lock", to: "bob", amount: 40, nonce: 1, ref: "task-1", arbiter: "verifier" }));
    expect([s.balance("alice"), s.held()]).toEqual([60, 100]);
    expect(refusal(() => s.apply(signTx(bob, { kind: "settle", to: "release", amount: 0, nonce: 1, ref: "task-1" }))).reason).toBe("unauthorized");
    s.apply(signTx(verifier, { kind: "settle", to: "release", amount: 0, nonce: 1, ref: "task-1" }));
    expect(s.balance("bob")).toBe(40);
    expect(refusal(() => s.apply(signTx(verifier, { kind: "settle", to: "refund", amount: 0, nonce: 2, ref: "task-1" }))).reason).toBe("settled");
    s.apply(signTx(alice, { kind: "lock", to: "bob", amount: 10, nonce: 2, ref: "task-2", arbiter: "verifier" }));
    s.apply(signTx(verifier, { kind: "settle", to: "refund", amount: 0, nonce: 3, ref: "task-2" }));
    expect([s.balance("alice"), s.balance("bob"), s.held()]).toEqual([60, 40, 100]);
  });
});

describe("chain and journal", () => {
  const txs = (): SignedTx[] => [
    signTx(treasury, { kind: "mint", to: "alice", amount: 100, nonce: 1 }),
    signTx(alice, { kind: "transfer", to: "bob", amount: 10, nonce: 1 }),
    signTx(alice, { kind: "transfer", to: "bob", amount: 20, nonce: 2 }),
    signTx(bob, { kind: "transfer", to: "alice", amount: 5, nonce: 1 }),
  ];

  it("links every entry to the one before, signed by the leader; a broken link or a double spend is refused", () => {
    const c = new Chain(rules);
    for (const t of txs()) c.append(openEntry(makeEntry(leader, c.height, 1, c.tip, t).wire, ring));
    expect([c.height, c.state.balance("bob")]).toEqual([4, 25]);
    expect(() => c.append(makeEntry(leader, 4, 1, new Uint8Array(32), signTx(bob, { kind: "transfer", to: "alice", amount: 1, nonce: 2 })))).toThrow(/does not link to the tip/);
    expect(() => c.append(makeEntry(leader, 4, 1, c.tip, signTx(alice, { kind: "transfer", to: "bob", amount: 1, nonce: 2 })))).toThrow(EntryError);
    const e = makeEntry(leader, 4, 1, c.tip, signTx(bob, { kind: "transfer", to: "alice", amount: 1, nonce: 2 }));
    const tampered = e.wire.slice();
    tampered[tampered.length - 70] ^= 1;
    expect(() => openEntry(tampered, ring)).toThrow(/ledger entry refused/);
  });

  it("recovers from a crash mid-write: every whole entry back, the torn tail cut, nothing else lost", () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "colony-ledger-"));
    const file = path.join(dir, "ledger.journal");
    const { journal, recovery } = Journal.open(file, rules, ring);
    expect(recovery.chain.height).toBe(0);
    const c = recovery.chain;
    for (const t of txs()) {
      const e = makeEntry(leader, c.height, 1, c.tip, t);
      c.append(e);
      journal.append(e);
    }
    journal.close();
    const whole = statSync(file).size;
    // the power fails while the fifth entry is being written
    const fifth = makeEntry(leader, 4, 1, c.tip, signTx(bob, { kind: "transfer", to: "alice", amount: 1, nonce: 2 }));
    const rec = Buffer.alloc(4 + fifth.wire.length);
    rec.writeUInt32BE(fifth.wire.length, 0);
    rec.set(fifth.wire, 4);
    appendFileSync(file, rec.subarray(0, 30));
    const again = Journal.open(file, rules, ring);
    expect(again.recovery.chain.height).toBe(4);
    expect(again.recovery.discardedBytes).toBe(30);
    expect(again.recovery.problem).toMatch(/torn entry/);
    expect(again.recovery.chain.state.balance("bob")).toBe(25);
    expect(statSync(file).size).toBe(whole);
    // and a journal edited on disk stops at the edit
    again.journal.close();
    const bytes = readFileSync(file);
    bytes[bytes.length - 10] ^= 0xff;
    writeFileSync(file, bytes);
    const edited = Journal.open(file, rules, ring);
    expect(edited.recovery.chain.height).toBe(3);
    expect(edited.recovery.problem).toMatch(/entry at byte \d+: ledger entry refused/);
    edited.journal.close();
  });
});
