// The firmware's ledger client (firmware/runtime/ledger.c with envelope.c and wallet.c,
// compiled for the host, its link a stub that keeps what it publishes): at link start it asks
// which nonce comes next (ledger.nonce, asked again every 200 ms until answered); what is
// asked for before the answer waits unsigned, and is signed, oldest first, with the nonces the
// answer gives, byte for byte as the host's signTx; each ledger.tx envelope the host's Opener
// takes is sent again every 200 ms until answered and never after; the answers the host's
// LedgerNode gives settle or refuse a handle; a full table refuses more; 30 s without an
// answer is a refusal; forged, truncated, corrupted and malformed answers, and answers to
// another boot's question, are ignored and counted without touching a handle or crashing.
import { execFileSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { decodeNonce, decodeTx } from "../../host/economy/messages.ts";
import { signTx, type SignedTx } from "../../host/economy/index.ts";
import { cborEncode } from "../../host/net/cbor.ts";
import { deviceKeyFromSeed, KeyRing, Opener, Sealer, simDeviceSeed } from "../../host/net/index.ts";
import { missingTools, OUT, ROOT } from "./helpers.ts";

const missing = missingTools(["cc"]);
const BIN = path.join(OUT, "ledger");
const SEED = 7;
const DEVICE = "fw-1";
const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
const key = (id: string) => deviceKeyFromSeed(id, simDeviceSeed(SEED, id));

describe.skipIf(missing.length > 0)("firmware ledger client", () => {
  beforeAll(() => {
    mkdirSync(OUT, { recursive: true });
    const rt = path.join(ROOT, "firmware/runtime");
    const crypto = path.join(ROOT, "firmware/crypto");
    execFileSync("cc", ["-std=gnu11", "-O2", "-Wall", "-Wextra", "-Werror", `-I${rt}`, path.join(ROOT, "test/firmware/harness/ledger.c"), ...["ledger", "envelope", "cbor", "wallet"].map((f) => path.join(rt, `${f}.c`)), ...["sha256", "sha512", "ed25519"].map((f) => path.join(crypto, `${f}.c`)), "-lm", "-o", BIN]);
  });

  const run = (script: string[]): string[] => {
    const out = execFileSync(BIN, [DEVICE, hex(simDeviceSeed(SEED, DEVICE)), `colony-sim/${SEED}/`, "100"], { input: script.join("\n") + "\n", encoding: "utf8" }).trim().split("\n");
    expect(out).toHaveLength(script.length);
    return out;
  };
  const device = key(DEVICE);
  const leader = key("ledger-1");
  const ring = new KeyRing();
  ring.add(DEVICE, device.publicKey);
  const seal = new Sealer(leader, () => 0, 0);
  const answer = (kind: string, body: unknown, at = 0) => `answer ${hex(seal.seal(kind, body))} ${at}`;
  /** What the host signs for the harness's transfer (to sink-1, ref "job"): the firmware must sign the same bytes. */
  const tx = (nonce: number, amount: number): SignedTx => signTx(device, { kind: "transfer", to: "sink-1", amount, nonce, ref: "job" });
  /** The question in a `sent` line, opened as a ledger node opens it. */
  const question = (line: string, opener = new Opener(ring, 64)): Uint8Array => {
    const [, n, env] = line.split(" ");
    expect(n, line).toBe("1");
    const e = opener.open(new Uint8Array(Buffer.from(env!, "hex")));
    expect(e).toMatchObject({ from: DEVICE, kind: "ledger.nonce" });
    return decodeNonce(e.body).q;
  };

  it("asks which nonce comes next, holds what is asked for until the answer, then signs it byte for byte with that nonce", () => {
    // the question is what the harness's start line sends; its challenge is needed for the answers, so run twice: the first run shows it
    const q = question(run(["start 0"])[0]!);
    const next = (body: Record<string, unknown>, at: number) => answer("ledger.next", { q, next: 3, balance: 80, height: 9, ...body }, at);
    const script = [
      "start 0",
      "submit 10 0", "submit 15 0", "status 1", "balance",
      "poll 199", "poll 200",
      next({ q: new Uint8Array(16).fill(1) }, 210), // an earlier boot's question
      next({ next: 0 }, 210),
      answer("ledger.next", { q, next: 3, balance: 80 }, 210),
      next({}, 250),
      "poll 250",
      next({ next: 1 }, 260), // a second answer: the nonces are already taken
      "submit 20 260", "poll 300", "status 1", "balance",
    ];
    const out = run(script);
    const at = (line: string) => out[script.indexOf(line)]!;
    expect(question(at("start 0"))).toEqual(q); // the same boot asks the same question
    expect(at("submit 10 0")).toBe("rc 1 room 1 console ");
    expect(at("submit 15 0")).toBe("rc 2 room 1 console ");
    expect(at("status 1")).toBe("status 0");
    expect(at("balance")).toBe("balance nan ignored 0");
    expect(at("poll 199")).toBe("sent 0 - ");
    const opener = new Opener(ring, 64);
    expect(question(at("poll 200"), opener)).toEqual(q); // asked again, nothing signed yet
    expect(out[script.indexOf("poll 200") + 1]).toMatch(/ignored \(1 since boot\): ledger\.next answers another question \(q\)/);
    expect(out[script.indexOf("poll 200") + 2]).toMatch(/ignored \(2 since boot\): bad field next/);
    expect(out[script.indexOf("poll 200") + 3]).toMatch(/ignored \(3 since boot\): ledger\.next needs q, next, balance and height/);
    // the answer: the two waiting are signed in order with nonces 3 and 4, as the host signs them
    const said = out[script.indexOf("poll 250") - 1]!.split("|");
    expect(said[0]).toBe("console wallet: the ledger says nonce 3 comes next, balance 80 (height 9)");
    expect(said[1]).toBe(`wallet - transfer nonce 3 ${hex(tx(3, 10).wire)}`);
    expect(said[2]).toBe(`wallet - transfer nonce 4 ${hex(tx(4, 15).wire)}`);
    const [, n, env] = at("poll 250").split(" ");
    expect(n).toBe("2");
    expect(hex(decodeTx(opener.open(new Uint8Array(Buffer.from(env!, "hex"))).body).tx)).toBe(hex(tx(4, 15).wire));
    // a later one is signed at once with the nonce after; the duplicate answer changed nothing
    expect(at("submit 20 260")).toBe(`rc 3 room 1 console wallet - transfer nonce 5 ${hex(tx(5, 20).wire)}|`);
    // since the last poll only nonce 5's first copy left: the question is not asked again, 3 and 4 resend at 450
    const [, n5, env5] = at("poll 300").split(" ");
    expect(n5).toBe("1");
    expect(hex(decodeTx(opener.open(new Uint8Array(Buffer.from(env5!, "hex"))).body).tx)).toBe(hex(tx(5, 20).wire));
    expect(out[script.lastIndexOf("balance")]).toBe("balance 80 ignored 3");
  });

  it("what waits for a nonce nobody gives is refused after 30 s, unsigned", () => {
    const script = ["start 0", "submit 10 0", "poll 29999", "status 1", "poll 30000", "status 1", "poll 30200"];
    const out = run(script);
    expect(out[2]).toMatch(/^sent 1 [0-9a-f]+ $/); // the question, asked again; no transaction
    expect(out[3]).toBe("status 0");
    expect(out[4]).toBe("sent 0 - wallet - refused handle 1: timeout: no ledger said which nonce to use within 30000 ms; nothing was signed|");
    expect(out[5]).toBe("status -6");
    expect(out[6]).toMatch(/^sent 1 /); // the question goes on: the next transaction needs it
  });

  it("sends, resends, settles, refuses and times out as LedgerClient does; bad answers change nothing", () => {
    const q = question(run(["start 0"])[0]!);
    const synced = answer("ledger.next", { q, next: 1, balance: 0, height: 1 });
    const ack = (x: SignedTx, balance: number) => ({ txid: `${DEVICE}:${x.body.nonce}`, sig: x.sig, height: x.body.nonce, term: 1, hash: new Uint8Array(32), balance });
    const [t1, t2, t3, t4, t5] = [1, 2, 3, 4, 5].map((n) => tx(n, 10 * n)) as [SignedTx, SignedTx, SignedTx, SignedTx, SignedTx];
    const t = 0;

    const valid = seal.seal("ledger.ack", ack(t1, 70));
    const corrupt: string[] = [];
    for (let n = 0; n < valid.length; n++) corrupt.push(`answer ${hex(valid.subarray(0, n)) || "-"} 0`); // every truncation
    for (let i = 0; i < valid.length; i++) {
      const c = valid.slice();
      c[i]! ^= 0x41;
      corrupt.push(`answer ${hex(c)} 0`);
    }
    const malformed = [
      answer("ledger.ack", { ...ack(t1, 70), txid: 5 }),
      answer("ledger.ack", { ...ack(t1, 70), sig: t1.sig.subarray(0, 63) }),
      answer("ledger.ack", { ...ack(t1, 70), height: -1 }),
      answer("ledger.ack", { ...ack(t1, 70), balance: 1.5 }),
      answer("ledger.ack", { txid: `${DEVICE}:1`, sig: t1.sig }),
      answer("ledger.ack", [1, 2]),
      answer("ledger.entries", { term: 1 }),
      answer("ledger.ack", { ...ack(t1, 70), txid: `${DEVICE}:2` }), // t1's signature under another id
      // signed by a key that is not ledger-1's
      `answer ${hex(new Sealer(deviceKeyFromSeed("ledger-1", simDeviceSeed(SEED + 1, "ledger-1")), () => t, 0).seal("ledger.ack", ack(t1, 70)))} 0`,
    ];
    const script = [
      "start 0", synced, "poll 0",
      "submit 10 0",
      "poll 0", "poll 199", "poll 200", "poll 399", "poll 400",
      ...corrupt, ...malformed,
      "status 1", "balance",
      `answer ${hex(valid)} 450`,
      "status 1", "balance", "poll 10000",
      answer("ledger.ack", ack(t1, 70)), // a second answer to a settled handle: a duplicate, nothing to do
      "balance",
      "submit 20 20000", "submit 30 20000", "submit 40 20000", "submit 50 20000", "submit 60 20000",
      answer("ledger.refused", { txid: `${DEVICE}:3`, sig: t3.sig, reason: "overdrawn", message: "transaction refused (overdrawn): fw-1 has 70, needs 30" }, 20120),
      "status 3", "balance", "poll 49999", "status 2", "poll 50000", "status 2", "status 4", "status 5", "poll 60000",
      "status 6", "status 0", "status 99",
    ];
    const out = run(script);
    const at = (line: string, from = 0) => out[script.indexOf(line, from)]!;
    const sent = (line: string, from = 0) => at(line, from).split(" ");

    expect(at("submit 10 0")).toBe(`rc 1 room 1 console wallet - transfer nonce 1 ${hex(t1.wire)}|`);
    // the first copy (from submit) and the resends at 200 and 400 ms, each a fresh envelope the host opens
    const opener = new Opener(ring, 64);
    const first = script.indexOf("submit 10 0");
    const copies = ["poll 0", "poll 200", "poll 400"].map((l) => {
      const [, n, env] = sent(l, first);
      expect(n, l).toBe("1");
      const e = opener.open(new Uint8Array(Buffer.from(env!, "hex")));
      expect(e).toMatchObject({ from: DEVICE, kind: "ledger.tx" });
      expect(hex(decodeTx(e.body).tx)).toBe(hex(t1.wire));
      return e.seq;
    });
    expect(new Set(copies).size).toBe(3);
    expect(at("poll 199")).toBe("sent 0 - ");
    expect(at("poll 399")).toBe("sent 0 - ");

    // nothing bad moved the handle; each one was counted (a duplicate-looking one of another signature is not an answer to it)
    for (const l of corrupt) expect(at(l), l).toMatch(/^console (ledger: answer ignored \(\d+ since boot\): .+)?$/);
    expect(at(malformed[0]!)).toMatch(/bad field txid/);
    expect(at(malformed[1]!)).toMatch(/bad field sig/);
    expect(at(malformed[2]!)).toMatch(/bad field height/);
    expect(at(malformed[3]!)).toMatch(/bad field balance/);
    expect(at(malformed[4]!)).toMatch(/ledger\.ack needs txid, sig, height, term, hash and balance/);
    expect(at(malformed[5]!)).toMatch(/body is not a map/);
    expect(at(malformed[6]!)).toMatch(/not an answer: kind ledger\.entries/);
    expect(at(malformed[7]!)).toMatch(/txid does not name the signed transaction: fw-1:2/);
    expect(at(malformed[8]!)).toMatch(/bad-signature: ledger-1#1 does not verify/);
    expect(at("status 1")).toBe("status 0");
    const ignored = Number(/ignored (\d+)/.exec(at("balance"))![1]);
    expect(at("balance")).toMatch(/^balance 0 ignored/); // the balance the nonce answer gave
    // every truncation, every malformed answer, and the corrupted copies that did not open
    expect(ignored).toBeGreaterThanOrEqual(corrupt.length / 2 + malformed.length);

    // the real answer settles it with its balance, and the resending stops
    expect(at(`answer ${hex(valid)} 450`)).toMatch(/^console wallet - settled nonce 1 height 1 balance 70 after 450 ms\|$/);
    const afterAck = script.indexOf(`answer ${hex(valid)} 450`);
    expect(at("status 1", afterAck)).toBe("status 1");
    expect(at("balance", afterAck)).toBe(`balance 70 ignored ${ignored}`);
    expect(at("poll 10000")).toBe("sent 0 - ");
    expect(out[afterAck + 4]).toBe("console ");
    expect(out[afterAck + 5]).toBe(`balance 70 ignored ${ignored}`);

    // four unanswered at a time; a fifth is refused before anything is signed
    expect(["submit 20 20000", "submit 30 20000", "submit 40 20000", "submit 50 20000", "submit 60 20000"].map((l) => at(l).split(" console ")[0])).toEqual(["rc 2 room 1", "rc 3 room 1", "rc 4 room 1", "rc 5 room 0", "rc -4 room 0"]);
    expect(at("submit 30 20000")).toBe(`rc 3 room 1 console wallet - transfer nonce 3 ${hex(t3.wire)}|`);
    expect(at("submit 60 20000")).toBe("rc -4 room 0 console ");
    expect(out[script.indexOf("status 3") - 1]).toMatch(/wallet - refused nonce 3: overdrawn: transaction refused \(overdrawn\): fw-1 has 70, needs 30 \(after 120 ms\)/);
    expect(at("status 3")).toBe("status -6");
    expect(at("balance", script.indexOf("status 3"))).toBe(`balance 70 ignored ${ignored}`);
    // 30 s without an answer: refused (timeout), and no more copies
    expect(sent("poll 49999")[1]).toBe("7"); // the first copies of 2-5 (since the last poll) and a resend of the three still waiting
    expect(at("status 2")).toBe("status 0");
    expect(at("poll 50000")).toBe(
      "sent 0 - " + [2, 4, 5].map((n) => `wallet - refused nonce ${n}: timeout: no settlement within 30000 ms; it may still settle|`).join(""),
    );
    const after = script.indexOf("poll 50000");
    expect(["status 2", "status 4", "status 5"].map((l) => at(l, after))).toEqual(["status -6", "status -6", "status -6"]);
    expect(at("poll 60000")).toBe("sent 0 - ");
    expect(["status 6", "status 0", "status 99"].map((l) => at(l))).toEqual(["status -2", "status -2", "status -2"]);
    void [t2, t4, t5];
  });
});
