// Priced contract-net with escrow over the device's wallet, in the pump room: the winner is
// paid exactly its price on the drone's confirmation, a contractor that does not deliver is
// not paid and loses its bond, the manager's budget holds, the key never enters agent memory,
// and colony ledger / the report show it.
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { V8Engine } from "../../host/engines/index.ts";
import { loadBoard, loadModule, LoadError, parseManifest, type Device } from "../../host/kernel/index.ts";
import { simDeviceSeed } from "../../host/net/keys.ts";
import { loadScenario, parseScenario, runScenario, summaryLines, type SimResult } from "../../host/sim/index.ts";
import { htmlReport } from "../../host/sim/html.ts";
import { ROOT } from "../kernel/helpers.ts";

const SCENARIO = path.join(ROOT, "scenarios/pump-room.yaml");
const RUN_MS = 70_000;

function bids(r: SimResult): { task: string; payee: string; price: number; round: number }[] {
  return r.trace
    .filter((e) => e.type === "publish" && e.data?.topic === "cnet/reply" && (e.data.body as { kind?: string })?.kind === "cnet.bid")
    .map((e) => e.data!.body as { task: string; payee: string; price: number; round: number });
}

function includes(hay: Uint8Array, needle: Uint8Array): boolean {
  return Buffer.from(hay.buffer, hay.byteOffset, hay.byteLength).indexOf(Buffer.from(needle)) >= 0;
}

describe("payments in the pump room", () => {
  let r: SimResult;
  let dir: string;
  const memories: { device: string; agent: string; bytes: Uint8Array }[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), "colony-pay-"));
    r = await runScenario(loadScenario(SCENARIO), {
      durationMs: RUN_MS,
      ledgerFile: path.join(dir, "ledger.journal"),
      onFinish: (devices: readonly Device[]) => {
        for (const d of devices) for (const a of d.agents.values()) memories.push({ device: d.id, agent: a.agent, bytes: a.memory.bytes(0, a.memory.length).slice() });
      },
    });
  }, 120_000);

  it("pays the winning quadruped exactly its price on event/confirmed, and returns its bond", () => {
    const e = r.economy!;
    const paid = e.contracts.filter((c) => !c.bond && c.state === "released");
    expect(paid).toHaveLength(1);
    const c = paid[0]!;
    expect(c.from).toBe("drone-1");
    expect(c.to).toBe("quadruped-3");
    const bid = bids(r).find((b) => b.payee === "quadruped-3" && c.escrow.startsWith(`${b.task}/${b.round}/`))!;
    expect(c.amount).toBe(bid.price);
    const confirmed = r.trace.find((x) => x.type === "publish" && x.data?.topic === "event/confirmed")!;
    // settled by a majority of the scenario's three ledger nodes after the confirmation
    expect(c.settledMs!).toBeGreaterThan(confirmed.t);
    expect(c.settledMs! - confirmed.t).toBeLessThanOrEqual(e.replicated!.p99Ms);
    expect(e.replicated!.nodes).toEqual(["controller-1", "quadruped-1", "quadruped-3"]);
    expect(e.replicated!.nodes).toContain(e.replicated!.leader);
    expect(e.closing["quadruped-3"]).toBe(e.opening["quadruped-3"]! + bid.price);
    expect(e.closing["drone-1"]).toBe(e.opening["drone-1"]! - bid.price);
    // the losers were not paid
    expect(e.closing["quadruped-1"]).toBe(e.opening["quadruped-1"]);
    expect(e.contracts.find((b) => b.bond)!.state).toBe("refunded");
    expect(e.held).toBe(e.minted);
    expect(e.outcomes).toBe(1);
  });

  it("bills the subscription to the site's wallet from the kernel's counts", () => {
    const e = r.economy!;
    expect(e.invoices.length).toBeGreaterThan(1);
    expect(e.invoices.every((i) => i.status === "settled")).toBe(true);
    expect(e.invoices.find((i) => i.ref === "invoice/1/outcomes")!.quantity).toBe(1);
    const q = e.invoices.find((i) => i.ref === "invoice/1/quadruped")!;
    // three quadrupeds running the whole run
    expect(q.quantity).toBeCloseTo((3 * RUN_MS) / 3_600_000, 3);
    expect(e.closing[e.site]).toBe(e.opening[e.site]! - e.billed);
    expect(e.closing[e.vendor]).toBe(e.billed);
    expect(e.costPerOutcome).toBe(e.paid + e.billed);
  });

  it("never puts a device's private key in agent memory", () => {
    expect(memories.length).toBeGreaterThan(5);
    for (const m of memories) {
      expect(includes(m.bytes, simDeviceSeed(r.seed, m.device)), `${m.device}/${m.agent}`).toBe(false);
    }
    // the scan does see what the agent was given: its account name, in the wallet agents' memory
    const q3 = memories.find((m) => m.device === "quadruped-3" && m.agent === "quadruped")!;
    expect(includes(q3.bytes, new TextEncoder().encode("quadruped-3"))).toBe(true);
  });

  it("colony ledger lists balances, contracts and invoices, and refuses an edited journal", () => {
    // the journal of a ledger node (the first the scenario names)
    const journal = r.economy!.journal!;
    expect(path.basename(journal)).toBe("ledger-controller-1.journal");
    const out = execFileSync(process.execPath, [path.join(ROOT, "bin/colony.js"), "ledger", journal], { encoding: "utf8" });
    expect(out).toMatch(new RegExp(`quadruped-3 +${r.economy!.closing["quadruped-3"]}\\n`));
    expect(out).toMatch(/drone-1 -> quadruped-3 \d+, released \(arbiter drone-1\)/);
    expect(out).toContain("invoice/1/outcomes: pump-room -> colony-vendor");
    const data = readFileSync(journal);
    data[data.length - 70]! ^= 1;
    const bad = path.join(dir, "edited.journal");
    writeFileSync(bad, data);
    const res = spawnSync(process.execPath, [path.join(ROOT, "bin/colony.js"), "ledger", bad, "--keys", path.join(dir, "ledger-keys.json")], { encoding: "utf8" });
    expect(res.status).toBe(2);
    expect(res.stderr).toMatch(/does not verify|refused|not CBOR/);
  });

  it("has an economy section in the summary and the report", () => {
    const sc = loadScenario(SCENARIO);
    const text = summaryLines(r).join("\n");
    expect(text).toMatch(/economy: \d+ ledger entries; \d+ paid for 1 verified outcome/);
    expect(text).toContain(`cost per confirmed outcome ${r.economy!.costPerOutcome}`);
    const html = htmlReport(sc, r);
    expect(html).toContain("<h2>Economy</h2>");
    expect(html).toContain('id="balances"');
  });
});

describe("payments when things go wrong", () => {
  const base = readFileSync(SCENARIO, "utf8");

  it("a contractor that does not deliver is not paid and loses its bond; the drone gets its escrow back", async () => {
    // a ring of walls around the pump: the quadrupeds win, post a bond and find no path
    const walled = base.replace("    - [26, 20, 29, 30]   # the pump's plinth wall", "    - [26, 20, 29, 30]\n    - [30, 20, 35, 21]\n    - [30, 23, 35, 24]\n    - [34, 20, 35, 24]\n    - [29, 20, 30, 24]");
    expect(walled).not.toBe(base);
    const r = await runScenario(parseScenario(walled, SCENARIO), { durationMs: 45_000 });
    const e = r.economy!;
    const failed = r.trace.filter((x) => x.type === "publish" && (x.data?.body as { kind?: string })?.kind === "cnet.failed");
    expect(failed.length).toBeGreaterThan(0);
    const payments = e.contracts.filter((c) => !c.bond);
    expect(payments.length).toBeGreaterThan(0);
    expect(payments.every((c) => c.state === "refunded")).toBe(true);
    expect(e.paid).toBe(0);
    expect(e.outcomes).toBe(0);
    const kept = e.contracts.filter((c) => c.bond && c.state === "released");
    expect(kept.length).toBeGreaterThan(0);
    for (const q of ["quadruped-1", "quadruped-3"]) {
      const lost = kept.filter((c) => c.from === q).reduce((n, c) => n + c.amount, 0);
      expect(e.closing[q], q).toBe(e.opening[q]! - lost);
    }
    expect(e.closing["drone-1"]).toBe(e.opening["drone-1"]! + e.bondsKept);
    expect(e.held).toBe(e.minted);
  }, 120_000);

  it("a manager never spends over its budget: bids above the per-task budget are not awarded", async () => {
    const tight = base.replace("budget: { perTask: 200, perHour: 1000, penalty: 0.2 }", "budget: { perTask: 20, perHour: 1000, penalty: 0.2 }");
    expect(tight).not.toBe(base);
    const r = await runScenario(parseScenario(tight, SCENARIO), { durationMs: 45_000 });
    expect(bids(r).length).toBeGreaterThan(0);
    expect(bids(r).every((b) => b.price > 20)).toBe(true);
    expect(r.trace.some((x) => x.type === "publish" && x.data?.topic === "cnet/award")).toBe(false);
    expect(r.economy!.contracts).toHaveLength(0);
    expect(r.economy!.closing["drone-1"]).toBe(r.economy!.opening["drone-1"]);
  }, 120_000);

  it("the per-hour budget caps what is locked across re-tenders", async () => {
    // every award fails (walled pump), and each lock counts against the hour: at most 100 in escrow per hour
    const walled = base
      .replace("    - [26, 20, 29, 30]   # the pump's plinth wall", "    - [26, 20, 29, 30]\n    - [30, 20, 35, 21]\n    - [30, 23, 35, 24]\n    - [34, 20, 35, 24]\n    - [29, 20, 30, 24]")
      .replace("budget: { perTask: 200, perHour: 1000, penalty: 0.2 }", "budget: { perTask: 200, perHour: 100, penalty: 0.2 }");
    const r = await runScenario(parseScenario(walled, SCENARIO), { durationMs: 60_000 });
    const locks = r.economy!.contracts.filter((c) => !c.bond && c.from === "drone-1");
    expect(locks.length).toBeGreaterThan(0);
    expect(locks.reduce((n, c) => n + c.amount, 0)).toBeLessThanOrEqual(100);
  }, 120_000);
});

describe("the wallet capability", () => {
  it("is the only way to the ledger: a manifest publishing on ledger/ topics is refused", () => {
    const m = { name: "forger", version: "1.0.0", abi: 1, capabilities: ["bus"], publish: ["ledger/tx"], resources: { memoryPages: 1, fuelPerEvent: 10 } };
    expect(() => parseManifest(JSON.stringify(m), "forger.json")).toThrow(/publish: "ledger\/tx" is the site ledger's topic; an agent pays through the "wallet" capability/);
    expect(() => parseManifest(JSON.stringify({ ...m, publish: ["ledger/ack/quadruped-3"] }), "forger.json")).toThrow(/site ledger's topic/);
    expect(parseManifest(JSON.stringify({ ...m, publish: ["ledgers/notes"] }), "forger.json").publish).toEqual(["ledgers/notes"]);
  });

  it("is refused at load time without the capability, naming it", () => {
    const wasm = readFileSync(path.join(ROOT, "build/agents/quadruped.wasm"));
    const m = JSON.parse(readFileSync(path.join(ROOT, "assembly/agents/quadruped.json"), "utf8")) as { capabilities: string[] };
    m.capabilities = m.capabilities.filter((c) => c !== "wallet");
    const manifest = parseManifest(JSON.stringify(m), "quadruped.json");
    expect(() => loadModule(wasm, manifest, loadBoard("esp32-devkitc"), new V8Engine())).toThrow(LoadError);
    expect(() => loadModule(wasm, manifest, loadBoard("esp32-devkitc"), new V8Engine())).toThrow(/colony\.wallet_\w+" needs capability "wallet"/);
  });
});

describe("payments on the production line", () => {
  it("pays each robot its bid price for a move the quality station attested, and nothing else", async () => {
    const r = await runScenario(loadScenario(path.join(ROOT, "scenarios/production-line.yaml")), { durationMs: 80_000 });
    const e = r.economy!;
    const paid = e.contracts.filter((c) => !c.bond && c.state === "released");
    expect(paid.length).toBeGreaterThanOrEqual(3);
    const verdicts = r.trace.filter((x) => x.type === "publish" && x.data?.topic === "qc/result");
    for (const c of paid) {
      const bid = bids(r).find((b) => c.escrow.startsWith(`${b.task}/${b.round}/`) && b.payee === c.to)!;
      expect(c.amount, c.escrow).toBe(bid.price);
      // released after a verdict, settled by the ledger nodes within the run's p99, never without one
      expect(verdicts.some((v) => v.t < c.settledMs! && c.settledMs! - v.t <= e.replicated!.p99Ms), c.escrow).toBe(true);
    }
    for (const amr of ["amr-1", "amr-2", "amr-3"]) {
      const earned = paid.filter((c) => c.to === amr).reduce((n, c) => n + c.amount, 0);
      const lost = e.contracts.filter((c) => c.bond && c.from === amr && c.state === "released").reduce((n, c) => n + c.amount, 0);
      const locked = e.contracts.filter((c) => c.bond && c.from === amr && c.state === "locked").reduce((n, c) => n + c.amount, 0);
      expect(e.closing[amr], amr).toBe(e.opening[amr]! + earned - lost - locked);
    }
    // every lock of the handler within its per-task budget
    expect(e.contracts.filter((c) => !c.bond).every((c) => c.amount <= 150)).toBe(true);
    expect(e.held).toBe(e.minted);
  }, 120_000);
});

describe("the device wallet and the economy block", () => {
  it("signs with the device key, refuses bad requests by name, and reports the ledger's refusals", async () => {
    const { DeviceWallet, LocalLedger, signTx } = await import("../../host/economy/index.ts");
    const { AbiError, WalletStatus, WalletTxKind } = await import("../../host/kernel/abi.ts");
    const { deviceKeyFromSeed, KeyRing } = await import("../../host/net/keys.ts");
    const ring = new KeyRing();
    const mk = (id: string, n: number) => {
      const k = deviceKeyFromSeed(id, new Uint8Array(32).fill(n));
      ring.add(id, k.publicKey);
      return k;
    };
    const treasury = mk("treasury", 1);
    const ledger = new LocalLedger({ treasury: "treasury", creditLimit: 0 }, mk("ledger-1", 2), ring, () => 0);
    const traced: string[] = [];
    const w = new DeviceWallet(mk("dev-1", 3), ledger, (e) => traced.push(e.text));
    mk("dev-2", 4);
    ledger.apply(signTx(treasury, { kind: "mint", to: "dev-1", amount: 100, nonce: 1 }));
    expect(w.submit("a", 9, "dev-2", 5, "", "")).toBe(AbiError.INVALID);
    expect(traced.at(-1)).toMatch(/kind 9 is not a wallet transaction/);
    expect(w.submit("a", WalletTxKind.TRANSFER, "dev-2", 1.5, "", "")).toBe(AbiError.INVALID);
    expect(traced.at(-1)).toMatch(/amount must be a positive integer/);
    const ok = w.submit("a", WalletTxKind.TRANSFER, "dev-2", 30, "x", "");
    expect(w.status(ok)).toBe(WalletStatus.SETTLED);
    expect(w.balance("dev-2")).toBe(30);
    const over = w.submit("a", WalletTxKind.LOCK, "dev-2", 500, "job-1", "dev-1");
    expect(w.status(over)).toBe(AbiError.REFUSED);
    expect(traced.at(-1)).toMatch(/refused \(overdrawn\)/);
    expect(w.status(12345)).toBe(AbiError.NOT_FOUND);
    // the signed transaction in the chain is the device's, verified by its public key
    expect(ledger.chain.entries.at(-1)!.tx!.body).toMatchObject({ from: "dev-1", to: "dev-2", amount: 30 });
  });

  it("a bad economy block is refused naming the field", () => {
    const base = readFileSync(SCENARIO, "utf8");
    expect(() => parseScenario(base.replace("balances: { drone-1: 1000 }", "balances: { drone-9: 1000 }"), SCENARIO)).toThrow(/economy\.balances\.drone-9: no device "drone-9"/);
    expect(() => parseScenario(base.replace("perTask: 200", "perTask: 2.5"), SCENARIO)).toThrow(/economy\.budget\.perTask: must be a whole number/);
    expect(() => parseScenario(base.replace("penalty: 0.2", "penalty: 3"), SCENARIO)).toThrow(/penalty is the bond's share/);
    expect(() => parseScenario(base.replace("siteBalance: 10000", "siteBalance: 10000\n  bank: 3"), SCENARIO)).toThrow(/economy\.bank: unknown field/);
    expect(() => parseScenario(base.replace("ledgers: [controller-1, quadruped-1, quadruped-3]", "ledgers: [controller-1, robot-9]"), SCENARIO)).toThrow(/economy\.ledgers\[1\]: no device "robot-9"/);
    expect(() => parseScenario(base.replace("ledgers: [controller-1, quadruped-1, quadruped-3]", "ledgers: [controller-1, controller-1]"), SCENARIO)).toThrow(/economy\.ledgers\[1\]: controller-1 is named twice/);
  });
});
