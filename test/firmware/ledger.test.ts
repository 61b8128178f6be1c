// The firmware's ledger client (firmware/runtime/ledger.c with envelope.c, compiled for the
// host, its link a stub that keeps what it publishes): what it sends is a ledger.tx envelope
// the host's Opener takes, sent again every 200 ms until answered and never after; the
// answers the host's LedgerNode gives settle or refuse a handle; a full table refuses more;
// 30 s without an answer is a refusal; forged, truncated, corrupted and malformed answers are
// ignored and counted without touching a handle or crashing.
import { execFileSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { decodeTx } from "../../host/economy/messages.ts";
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
    execFileSync("cc", ["-std=gnu11", "-O2", "-Wall", "-Wextra", "-Werror", `-I${rt}`, path.join(ROOT, "test/firmware/harness/ledger.c"), ...["ledger", "envelope", "cbor"].map((f) => path.join(rt, `${f}.c`)), ...["sha256", "sha512", "ed25519"].map((f) => path.join(crypto, `${f}.c`)), "-lm", "-o", BIN]);
  });

  it("sends, resends, settles, refuses and times out as LedgerClient does; bad answers change nothing", () => {
    const device = key(DEVICE);
    const leader = key("ledger-1");
    const ring = new KeyRing();
    ring.add(DEVICE, device.publicKey);
    const t = 0;
    const seal = new Sealer(leader, () => t, 0);
    const tx = (nonce: number, amount: number): SignedTx => signTx(device, { kind: "transfer", to: "sink-1", amount, nonce });
    const ack = (x: SignedTx, balance: number) => ({ txid: `${DEVICE}:${x.body.nonce}`, sig: x.sig, height: x.body.nonce, term: 1, hash: new Uint8Array(32), balance });
    const answer = (kind: string, body: unknown, at = 0) => `answer ${hex(seal.seal(kind, body))} ${at}`;
    const [t1, t2, t3, t4, t5, t6] = [1, 2, 3, 4, 5, 6].map((n) => tx(n, 10 * n)) as [SignedTx, SignedTx, SignedTx, SignedTx, SignedTx, SignedTx];

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
      `submit 1 ${hex(t1.wire)} 0`,
      "poll 0", "poll 199", "poll 200", "poll 399", "poll 400",
      ...corrupt, ...malformed,
      "status 1", "balance",
      `answer ${hex(valid)} 450`,
      "status 1", "balance", "poll 10000",
      answer("ledger.ack", ack(t1, 70)), // a second answer to a settled handle: a duplicate, nothing to do
      "balance",
      `submit 2 ${hex(t2.wire)} 20000`, `submit 3 ${hex(t3.wire)} 20000`, `submit 4 ${hex(t4.wire)} 20000`, `submit 5 ${hex(t5.wire)} 20000`, `submit 6 ${hex(t6.wire)} 20000`,
      answer("ledger.refused", { txid: `${DEVICE}:3`, sig: t3.sig, reason: "overdrawn", message: "transaction refused (overdrawn): fw-1 has 70, needs 30" }, 20120),
      "status 3", "balance", "poll 49999", "status 2", "poll 50000", "status 2", "status 4", "status 5", "poll 60000",
      "status 6", "status 0", "status 99",
    ];
    const out = execFileSync(BIN, [DEVICE, hex(simDeviceSeed(SEED, DEVICE)), `colony-sim/${SEED}/`, "100"], { input: script.join("\n") + "\n", encoding: "utf8" }).trim().split("\n");
    expect(out).toHaveLength(script.length);
    const at = (line: string, from = 0) => out[script.indexOf(line, from)]!;
    const sent = (line: string) => at(line).split(" ");

    expect(at(`submit 1 ${hex(t1.wire)} 0`)).toBe("rc 0 room 1");
    // the first copy (from submit) and the resends at 200 and 400 ms, each a fresh envelope the host opens
    const opener = new Opener(ring, 64);
    const copies = ["poll 0", "poll 200", "poll 400"].map((l) => {
      const [, n, env] = sent(l);
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
    expect(at("balance")).toMatch(/^balance nan ignored/);
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

    // four unanswered at a time; a fifth is refused before it is taken
    expect([2, 3, 4, 5, 6].map((n) => at(`submit ${n} ${hex([t2, t3, t4, t5, t6][n - 2]!.wire)} 20000`))).toEqual(["rc 0 room 1", "rc 0 room 1", "rc 0 room 1", "rc 0 room 0", "rc -4 room 0"]);
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
  });
});
