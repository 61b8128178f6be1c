// The replicated site ledger on the in-process bus: settlement by a majority, loss,
// duplicates and reordering, a leader killed mid-transfer, partitions with double spends on
// both sides, a restarted node's journal, a whole site's power loss, offline IOUs.
import { appendFileSync, statSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { LedgerClient, LedgerNode, signTx, Wallet, type NextNonce, type Settlement, type SignedTx } from "../../host/economy/index.ts";
import { cborEncode } from "../../host/net/cbor.ts";
import { doubleSpendTrial } from "../../host/economy/double-spend.ts";
import { hashes, key, makeSite, noFork, RULES, type Device, type Pending, type Site, type SiteOptions } from "../../host/economy/site.ts";

const made: Site[] = [];
afterEach(() => {
  for (const s of made.splice(0)) s.cleanup();
});
function site(o: SiteOptions): Site {
  const s = makeSite(o);
  made.push(s);
  return s;
}

const settled = (ps: Pending[]) => ps.filter((p) => p.result?.status === "settled");

/** Each device pays random others, one transaction after another; returns every submission. */
async function traffic(s: Site, payers: Device[], count: number, seed: number): Promise<Pending[]> {
  let r = seed;
  const rand = () => ((r = (Math.imul(r, 1103515245) + 12345) >>> 0) / 4294967296);
  const all: Pending[] = [];
  let done = 0;
  for (const d of payers) {
    void (async () => {
      for (let k = 1; k <= count; k++) {
        const to = payers[(payers.indexOf(d) + 1 + Math.floor(rand() * (payers.length - 1))) % payers.length]!;
        const p: Pending = { tx: signTx(d.key, { kind: "transfer", to: to.id, amount: 1 + Math.floor(rand() * 40), nonce: k }), via: d.id };
        all.push(p);
        p.result = await d.client.submit(p.tx);
      }
      done++;
    })();
  }
  await s.run(120_000, () => done === payers.length);
  expect(done).toBe(payers.length);
  return all;
}

describe("replicated ledger: settlement", () => {
  it("settles a transfer only once a majority holds it, and every node ends with the same chain", async () => {
    const s = site({ ledgers: 5, clients: 2 });
    const l = await s.elect();
    const [a, b] = s.devices as [typeof s.devices[0], typeof s.devices[0]];
    await s.fund(a, [a.id], 100);
    // The leader and one follower cut off from the other three: it appends, but cannot settle.
    const follower = s.ids.find((id) => id !== l.id)!;
    const rest = s.ids.filter((id) => id !== l.id && id !== follower);
    s.bus.partition([l.id, follower, a.id], rest);
    const pay = s.submit(a, signTx(a.key, { kind: "transfer", to: b.id, amount: 30, nonce: 1 }));
    await s.run(300);
    expect(l.ledger.chain.heightOf(pay.tx)).toBeDefined();
    expect(pay.result).toBeUndefined();
    s.bus.heal();
    await s.run(5000, () => !!pay.result);
    expect(pay.result).toMatchObject({ status: "settled", txid: `${a.id}:1` });
    await s.run(500);
    const ref = hashes(s.members[0]!);
    for (const m of s.members) expect(hashes(m)).toEqual(ref);
    for (const m of s.members) expect(m.ledger.chain.state.balance(b.id)).toBe(30);
    const height = pay.result?.status === "settled" ? pay.result.height : -1;
    // every node holds the acknowledged entry below its settled height
    for (const m of s.members) expect(m.ledger.commit).toBeGreaterThan(height);
  });
});

describe("replicated ledger: faults", () => {
  it("under 20% loss, duplicates and reordering every transaction gets one answer, settled ones are in every chain once", async () => {
    const s = site({ ledgers: 5, clients: 4, model: { loss: 0.2, duplicate: 0.2, reorder: 0.2, reorderDelay: 20 }, seed: 7 });
    await s.elect();
    await s.fund(s.devices[0]!, s.devices.map((d) => d.id), 100);
    const all = await traffic(s, s.devices, 12, 3);
    expect(all.every((p) => p.result && !(p.result.status === "refused" && p.result.reason === "timeout"))).toBe(true);
    const ok = settled(all);
    expect(ok.length).toBeGreaterThan(20);
    expect(all.length - ok.length).toBeGreaterThan(0); // some overdrew, and were refused
    for (const p of all) if (p.result?.status === "refused") expect(p.result.reason).toBe("overdrawn");
    await s.run(1000);
    const ref = hashes(s.members[0]!);
    for (const m of s.members) expect(hashes(m)).toEqual(ref);
    const chain = s.members[0]!.ledger.chain;
    // exactly the settled transactions are in the chain, each once; balances follow from them
    const inChain = chain.entries.filter((e) => e.tx && e.tx.body.kind === "transfer").map((e) => `${e.tx!.body.from}:${e.tx!.body.nonce}`);
    expect(new Set(inChain).size).toBe(inChain.length);
    expect(inChain.sort()).toEqual(ok.map((p) => `${p.tx.body.from}:${p.tx.body.nonce}`).sort());
    for (const d of s.devices) {
      let b = 100;
      for (const p of ok) {
        if (p.tx.body.from === d.id) b -= p.tx.body.amount;
        if (p.tx.body.to === d.id) b += p.tx.body.amount;
      }
      expect(chain.state.balance(d.id)).toBe(b);
      expect(b).toBeGreaterThanOrEqual(0);
    }
    expect(chain.state.held()).toBe(chain.state.minted);
    expect(s.bus.stats.lost).toBeGreaterThan(0);
    expect(s.bus.stats.duplicated).toBeGreaterThan(0);
  });

  it("a leader killed mid-transfer: nothing acknowledged is lost, the new leader continues the same chain in a higher term", async () => {
    const s = site({ ledgers: 5, clients: 3 });
    const old = await s.elect();
    await s.fund(s.devices[0]!, s.devices.map((d) => d.id), 1000);
    const [a, b, c] = s.devices as [Device, Device, Device];
    const before = [1, 2, 3].map((n) => s.submit(a, signTx(a.key, { kind: "transfer", to: b.id, amount: 10, nonce: n })));
    await s.run(2000, () => before.every((p) => p.result));
    expect(settled(before).length).toBe(3);
    // the leader appends the next transfer and dies before a majority holds it
    const mid = s.submit(b, signTx(b.key, { kind: "transfer", to: c.id, amount: 25, nonce: 1 }));
    while (old.ledger.chain.heightOf(mid.tx) === undefined) s.clock.runUntil(s.clock.now() + 0.5);
    const h = old.ledger.chain.heightOf(mid.tx)!;
    expect(old.ledger.commit).toBeLessThanOrEqual(h);
    const oldTerm = old.ledger.term;
    s.crash(old.id);
    const next = await s.elect();
    expect(next.id).not.toBe(old.id);
    await s.run(5000, () => !!mid.result);
    expect(mid.result).toMatchObject({ status: "settled" });
    const live = s.members.filter((m) => m.alive);
    await s.run(500);
    for (const m of live) expect(hashes(m)).toEqual(hashes(next));
    const chain = next.ledger.chain;
    // each acknowledged transaction once, and the transfer that was in flight once
    for (const p of [...before, mid]) expect(chain.entries.filter((e) => e.tx && Buffer.compare(e.tx.sig, p.tx.sig) === 0).length).toBe(1);
    expect(chain.state.balance(c.id)).toBe(1025);
    // the new term starts with a marker entry linked to the old term's last entry: no fork
    const k = chain.entries.findIndex((e) => e.term > oldTerm);
    expect(k).toBeGreaterThan(0);
    expect(chain.entries[k]!.tx).toBeNull();
    expect(chain.entries[k]!.leader).toBe(next.id);
    expect(Buffer.compare(chain.entries[k]!.prev, chain.entries[k - 1]!.hash)).toBe(0);
    // the old leader's journal holds the prefix of the chain it wrote: it agrees with the survivors
    const back = s.restart(old.id);
    await s.run(1000);
    expect(hashes(back)).toEqual(hashes(next));
  });

  it("with presence and last wills, a crashed leader is replaced before its lease would run out", async () => {
    const lease = 600;
    const s = site({ ledgers: 5, clients: 1, presence: true, lease });
    const old = await s.elect();
    await s.run(1000); // presence beats seen all round
    const [a] = s.devices as [Device];
    const killedAt = s.clock.now();
    s.crash(old.id);
    const next = await s.elect();
    expect(next.id).not.toBe(old.id);
    // the will marks it down at once: election backoff (<= lease/4) plus the ledger's recovery
    expect(s.clock.now() - killedAt).toBeLessThan(lease);
    await s.fund(a, [a.id], 10);
    const noWill = site({ ledgers: 5, clients: 1, lease });
    const o2 = await noWill.elect();
    await noWill.run(1000);
    const t2 = noWill.clock.now();
    noWill.crash(o2.id);
    await noWill.elect();
    expect(noWill.clock.now() - t2).toBeGreaterThanOrEqual(lease);
  });

  it("double spends on both sides of a partition: none succeeds; the minority's unsettled entry is replaced after the heal", async () => {
    const s = site({ ledgers: 5, clients: 3 });
    const l = await s.elect();
    const spender = key("spender");
    s.ring.add(spender.id, spender.publicKey);
    const [a, b] = s.devices as [Device, Device];
    await s.fund(a, [spender.id], 100);
    const buddy = s.ids.find((id) => id !== l.id)!;
    const minority = [l.id, buddy, a.id];
    const majority = [...s.ids.filter((id) => !minority.includes(id)), b.id, s.devices[2]!.id];
    s.bus.partition(minority, majority);
    // the spender's whole balance, three ways: to x through the old leader's side, to y and z through the others
    const toX = s.submit(a, signTx(spender, { kind: "transfer", to: "x", amount: 100, nonce: 1 }));
    const toY = s.submit(b, signTx(spender, { kind: "transfer", to: "y", amount: 100, nonce: 1 }));
    const toZ = s.submit(b, signTx(spender, { kind: "transfer", to: "z", amount: 100, nonce: 2 }));
    await s.run(5000, () => !!toY.result && !!toZ.result);
    const newLeader = s.leader() ?? s.members.find((m) => m.ledger.isLeader() && majority.includes(m.id));
    expect(newLeader && majority.includes(newLeader.id)).toBe(true);
    expect(settled([toY, toZ]).length).toBe(1);
    expect(toX.result).toBeUndefined(); // the old leader cannot settle it
    expect(l.ledger.chain.heightOf(toX.tx)).toBeDefined(); // though it appended it
    s.bus.heal();
    await s.run(10_000, () => !!toX.result);
    await s.run(1000);
    const all = [toX, toY, toZ];
    expect(settled(all).length).toBe(1); // double spends: settled - 1 = 0
    expect(toX.result?.status).toBe("refused");
    for (const m of s.members) {
      expect(m.ledger.chain.state.balance(spender.id)).toBe(0);
      expect(m.ledger.chain.heightOf(toX.tx)).toBeUndefined();
    }
    const ref = hashes(s.members[0]!);
    for (const m of s.members) expect(hashes(m)).toEqual(ref);
    expect(noFork(s.members, ref.length)).toBe(true);
  });
});

describe("replicated ledger: crashes and journals", () => {
  it("a restarted follower recovers its journal (a torn tail cut) and catches up to the same chain", async () => {
    const s = site({ ledgers: 5, clients: 2, sync: true });
    const l = await s.elect();
    const [a, b] = s.devices as [Device, Device];
    await s.fund(a, [a.id], 500);
    const f = s.members.find((m) => m.id !== l.id)!;
    await s.run(200);
    const held = f.ledger.chain.height;
    expect(held).toBeGreaterThanOrEqual(2);
    s.crash(f.id);
    // the power failed while it wrote one more entry
    appendFileSync(f.journal, Buffer.from([0, 0, 1, 0, 0x86, 1, 2, 3]));
    const later = [1, 2, 3, 4, 5].map((n) => s.submit(a, signTx(a.key, { kind: "transfer", to: b.id, amount: n, nonce: n })));
    await s.run(3000, () => later.every((p) => p.result));
    expect(settled(later).length).toBe(5); // four of five nodes still settle
    const back = s.restart(f.id);
    expect(back.ledger.replica.recovery?.discardedBytes).toBe(8);
    expect(back.ledger.replica.recovery?.problem).toMatch(/torn entry/);
    expect(back.ledger.chain.height).toBe(held);
    await s.run(2000, () => back.ledger.chain.height === l.ledger.chain.height);
    expect(hashes(back)).toEqual(hashes(l));
    expect(back.ledger.chain.state.balance(b.id)).toBe(15);
    expect(statSync(back.journal).size).toBeGreaterThan(0);
  });

  it("the whole site loses power: every node restarts from its journal, nothing acknowledged is lost, the chain goes on", async () => {
    const s = site({ ledgers: 3, clients: 2, sync: true });
    await s.elect();
    const [a, b] = s.devices as [Device, Device];
    await s.fund(a, [a.id], 500);
    const paid = [1, 2, 3, 4].map((n) => s.submit(a, signTx(a.key, { kind: "transfer", to: b.id, amount: 10 * n, nonce: n })));
    // the lights go out as soon as the client has its answers: some followers may lag behind
    await s.run(3000, () => paid.every((p) => p.result));
    expect(settled(paid).length).toBe(4);
    const heights = s.members.map((m) => m.ledger.chain.height);
    for (const m of [...s.members]) s.crash(m.id);
    for (const id of s.ids) s.restart(id);
    expect(s.members.map((m) => m.ledger.chain.height)).toEqual(heights);
    const l = await s.elect();
    for (const p of paid) expect(l.ledger.chain.heightOf(p.tx)).toBeDefined();
    const more = s.submit(b, signTx(b.key, { kind: "transfer", to: a.id, amount: 5, nonce: 1 }));
    await s.run(3000, () => !!more.result);
    expect(more.result).toMatchObject({ status: "settled" });
    await s.run(500);
    for (const m of s.members) expect(hashes(m)).toEqual(hashes(l));
    expect(l.ledger.chain.state.balance(b.id)).toBe(95);
    // a second term marker: the restarted leader continued the chain
    expect(l.ledger.chain.entries.filter((e) => e.tx === null).length).toBeGreaterThanOrEqual(2);
  });

  it("a new leader missing settled entries fetches them from the most up-to-date node of its majority", async () => {
    const s = site({ ledgers: 3, clients: 1 });
    const l = await s.elect();
    const [a] = s.devices as [Device];
    // one follower is cut off while two nodes settle transfers
    const behind = s.members.find((m) => m.id !== l.id)!;
    s.bus.partition([behind.id], [...s.ids.filter((id) => id !== behind.id), a.id]);
    await s.fund(a, [a.id, "x"], 100);
    const p = s.submit(a, signTx(a.key, { kind: "transfer", to: "x", amount: 60, nonce: 1 }));
    await s.run(2000, () => !!p.result);
    expect(p.result?.status).toBe("settled");
    expect(behind.ledger.chain.height).toBeLessThan(l.ledger.chain.height);
    // the leader dies and the lagging node comes back: it may win the election, but not lose entries
    s.crash(l.id);
    s.bus.heal();
    const next = await s.elect();
    expect(next.ledger.chain.heightOf(p.tx)).toBeDefined();
    const again = s.submit(a, signTx(a.key, { kind: "transfer", to: "x", amount: 60, nonce: 2 }));
    await s.run(3000, () => !!again.result);
    expect(again.result).toMatchObject({ status: "refused", reason: "overdrawn" });
    await s.run(500);
    for (const m of s.members.filter((m) => m.alive)) expect(m.ledger.chain.state.balance(a.id)).toBe(40);
  });
});

describe("replicated ledger: offline IOUs", () => {
  it("an offline wallet pays with IOUs down to its credit limit, no further; they settle when the link returns", async () => {
    const s = site({ ledgers: 3, clients: 2 });
    await s.elect();
    const [w, shop] = s.devices as [Device, Device];
    await s.fund(shop, [w.id], 20);
    const wallet = s.wallet(w, 20);
    const online: Settlement[] = [];
    void wallet.pay(shop.id, 5).then((r) => online.push(r));
    await s.run(1000, () => online.length === 1);
    expect(online[0]).toMatchObject({ status: "settled", balance: 15 });
    s.bus.setLink(w.id, false);
    const got: Settlement[] = [];
    for (const amount of [30, 20, 10, 6]) void wallet.pay(shop.id, amount).then((r) => got.push(r));
    await s.run(50);
    // 15 - 30 - 20 = -35; -45 is within the limit of 50, and 6 more would pass it
    expect(got).toEqual([expect.objectContaining({ status: "refused", reason: "offline-limit" })]);
    await s.run(2000);
    expect(got.length).toBe(1); // nothing settles without a link
    const l = s.leader()!;
    expect(l.ledger.chain.state.balance(w.id)).toBe(15);
    s.bus.setLink(w.id, true);
    await s.run(3000, () => got.length === 4);
    expect(got.slice(1).map((r) => r.status)).toEqual(["settled", "settled", "settled"]);
    expect(l.ledger.chain.state.balance(w.id)).toBe(-45);
    expect(wallet.balance).toBe(-45);
    const kinds = l.ledger.chain.entries.filter((e) => e.tx?.body.from === w.id).map((e) => e.tx!.body.kind);
    expect(kinds).toEqual(["transfer", "iou", "iou", "iou"]);
    // the ledger holds the same bound: an IOU past the credit limit is refused however it arrives
    const past = s.submit(shop, signTx(w.key, { kind: "iou", to: shop.id, amount: 6, nonce: 99 }));
    await s.run(2000, () => !!past.result);
    expect(past.result).toMatchObject({ status: "refused", reason: "overdrawn" });
    expect(past.result?.status === "refused" && past.result.message).toMatch(/below the credit limit -50/);
  });
});

describe("replicated ledger: a wallet that kept no nonce", () => {
  it("asks the leader which nonce comes next: a restarted device's payments settle and move money, across a leader change", async () => {
    const s = site({ ledgers: 3, clients: 2 });
    await s.elect();
    const [w, shop] = s.devices as [Device, Device];
    await s.fund(shop, [w.id], 100);
    const first = s.wallet(w, 0);
    const paid: Settlement[] = [];
    for (const amount of [10, 20]) void first.pay(shop.id, amount, "job/1").then((r) => paid.push(r));
    await s.run(2000, () => paid.length === 2);
    expect(paid.map((p) => p.status)).toEqual(["settled", "settled"]);
    // The device restarts with nothing kept. Counting from 1 again, the very same payment signed
    // again is the same transaction: answered settled, and no money moves.
    const fresh = s.wallet(w, 0);
    const again: Settlement[] = [];
    void fresh.pay(shop.id, 10, "job/1").then((r) => again.push(r));
    await s.run(2000, () => again.length === 1);
    expect(again[0]).toMatchObject({ status: "settled", txid: `${w.id}:1` });
    expect(s.leader()!.ledger.chain.state.balance(w.id)).toBe(70);
    // Resumed from the ledger, the wallet goes on above every nonce the account used.
    const resumed = await new Promise<Wallet>((resolve, reject) => {
      Wallet.resume(w.client, w.key, { creditLimit: 0 }).then(resolve, reject);
      void s.run(2000);
    });
    expect(resumed.lastNonce).toBe(2);
    expect(resumed.balance).toBe(70);
    const later: Settlement[] = [];
    void resumed.pay(shop.id, 10, "job/1").then((r) => later.push(r));
    await s.run(2000, () => later.length === 1);
    expect(later[0]).toMatchObject({ status: "settled", txid: `${w.id}:3`, balance: 60 });
    // A new leader answers the same: the chain, not the node, knows the account's nonces.
    s.crash(s.leader()!.id);
    await s.run(5000, () => !!s.leader());
    const next = await new Promise<NextNonce>((resolve, reject) => {
      w.client.nextNonce().then(resolve, reject);
      void s.run(3000);
    });
    expect(next).toMatchObject({ next: 4, balance: 60 });
  });

  it("an answer to another question is not taken, and no leader within the timeout rejects naming it", async () => {
    const s = site({ ledgers: 3, clients: 1 });
    await s.elect();
    const [w] = s.devices as [Device];
    // a stale answer (another challenge) arrives first: ignored, the real one resolves
    s.members[0]!.node.send(`ledger/ack/${w.id}`, "ledger.next", { q: new Uint8Array(16).fill(7), next: 1_000, balance: 5, height: 1 }, { qos: 0 });
    const asked = w.client.nextNonce();
    await s.run(1000);
    await expect(asked).resolves.toMatchObject({ next: 1, balance: 0 });
    for (const m of s.members) s.crash(m.id);
    const seen = new LedgerClient(w.node, { timeoutMs: 2000 }).nextNonce().catch((e: Error) => e.message);
    await s.run(2500);
    expect(await seen).toBe(`ledger client ${w.id}: no leader answered which nonce to use within 2000 ms`);
  });
});

describe("replicated ledger: bad input", () => {
  it("forged and malformed transactions are refused with their reason; junk on the ledger topics crashes nothing", async () => {
    const s = site({ ledgers: 3, clients: 2 });
    const l = await s.elect();
    const [a, b] = s.devices as [Device, Device];
    await s.fund(a, [a.id], 50);
    const real = signTx(a.key, { kind: "transfer", to: b.id, amount: 5, nonce: 1 });
    const forgedTx: SignedTx = { ...real, sig: signTx(b.key, { kind: "transfer", to: a.id, amount: 1, nonce: 1 }).sig };
    forgedTx.wire = cborEncode([real.bytes, forgedTx.sig]);
    const forged = s.submit(b, forgedTx);
    await s.run(1000, () => !!forged.result);
    expect(forged.result).toMatchObject({ status: "refused", reason: "forged" });
    // junk bodies on every ledger topic, from a member and from a client
    for (const [topic, kind] of [["ledger/tx", "ledger.tx"], ["ledger/entry", "ledger.entries"], [`ledger/have/${l.id}`, "ledger.have"], ["ledger/recover", "ledger.recover"], [`ledger/sync/${l.id}`, "ledger.entries"]] as const) {
      a.node.send(topic, kind, { junk: true });
      s.members.find((m) => m.id !== l.id)!.node.send(topic, kind, { term: "x", entries: [1, 2] });
    }
    a.node.send("ledger/tx", "ledger.tx", { tx: new Uint8Array([1, 2, 3]) });
    await s.run(300);
    expect(s.logs.some((x) => /ledger\.entries from .* dropped: ledger\.entries: term must be an integer/.test(x))).toBe(true);
    expect(s.logs.some((x) => /unreadable transaction/.test(x))).toBe(true);
    const ok = s.submit(a, real);
    await s.run(1000, () => !!ok.result);
    expect(ok.result).toMatchObject({ status: "settled" });
    // a node configured outside its site's ledger members, or with another device's key, does not start
    const m0 = s.members[0]!;
    expect(() => new LedgerNode({ node: m0.node, key: m0.key, keys: s.ring, rules: RULES, members: ["ledger-8", "ledger-9"] })).toThrow(/ledger node ledger-0 is not in the site's ledger members \(ledger-8, ledger-9\)/);
    expect(() => new LedgerNode({ node: m0.node, key: a.key, keys: s.ring, rules: RULES, members: s.ids })).toThrow(/key dev-0 is not the CoordNode's \(ledger-0\)/);
    expect(() => new LedgerNode({ node: m0.node, key: m0.key, keys: s.ring, rules: RULES, members: s.ids, heartbeatMs: 0 })).toThrow(/heartbeatMs must be > 0/);
  });
});

describe("replicated ledger: double-spend trial", () => {
  it("random partitions on a lossy bus, leaders killed mid-round: every spend answered, one per spender settles, no fork", async () => {
    const r = await doubleSpendTrial({ seed: 5, rounds: 6, killEvery: 2 });
    expect(r.attempts).toBe(6 * 3 * 3);
    expect(r.unanswered).toBe(0);
    expect(r.kills).toBe(3);
    expect(r.doubleSpends).toBe(0);
    expect(r.forks).toBe(0);
    // each spender's 100 went somewhere exactly once: one settles, the two others are refused
    expect(r.settled).toBe(6 * 3);
    expect(r.refused).toBe(6 * 3 * 2);
  });
});
