// The firmware's wallet transactions (firmware/runtime/wallet.c, compiled for the host) are
// byte for byte what host/economy/tx.ts signs, and the host's ledger opens them; the wallet's
// host functions (hostfns.c) and engine glue compile with the ABI's new calls.
import { execFileSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { openTx, signTx, type TxKind } from "../../host/economy/index.ts";
import { deviceKeyFromSeed, KeyRing, simDeviceSeed } from "../../host/net/keys.ts";
import { missingTools, OUT, ROOT } from "./helpers.ts";

const missing = missingTools(["cc"]);
const BIN = path.join(OUT, "wallet");
const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

describe.skipIf(missing.length > 0)("firmware wallet", () => {
  beforeAll(() => {
    mkdirSync(OUT, { recursive: true });
    const rt = path.join(ROOT, "firmware/runtime");
    const crypto = path.join(ROOT, "firmware/crypto");
    execFileSync("cc", ["-std=gnu11", "-O2", "-Wall", "-Wextra", `-I${rt}`, path.join(ROOT, "test/firmware/harness/wallet.c"), path.join(rt, "wallet.c"), path.join(rt, "cbor.c"), ...["sha256", "sha512", "ed25519"].map((f) => path.join(crypto, `${f}.c`)), "-o", BIN]);
  });

  it("signs the same bytes as the host, and the host's ledger opens them", () => {
    const cases: { kind: TxKind; to: string; amount: number; nonce: number; ref: string; arbiter: string }[] = [
      { kind: "transfer", to: "drone-1", amount: 54, nonce: 1, ref: "", arbiter: "" },
      { kind: "lock", to: "quadruped-3", amount: 300_000, nonce: 24, ref: "inspect-947b286f/1/quad-b7088005", arbiter: "drone-1" },
      { kind: "settle", to: "release", amount: 0, nonce: 70_000, ref: "inspect-947b286f/1/quad-b7088005", arbiter: "" },
      { kind: "iou", to: "amr-2", amount: 2 ** 40, nonce: 2 ** 33, ref: "invoice/1/amr", arbiter: "" },
    ];
    const id = "fw-1";
    const seed = simDeviceSeed(7, id);
    const key = deviceKeyFromSeed(id, seed);
    const ring = new KeyRing();
    ring.add(id, key.publicKey);
    const input = cases.map((c) => `${c.kind} ${id} ${c.to} ${c.amount} ${c.nonce} ${c.ref || "-"} ${c.arbiter || "-"} ${hex(seed)}`).join("\n") + "\n";
    const out = execFileSync(BIN, { input, encoding: "utf8" }).trim().split("\n");
    expect(out).toHaveLength(cases.length);
    cases.forEach((c, i) => {
      const host = signTx(key, { kind: c.kind, to: c.to, amount: c.amount, nonce: c.nonce, ref: c.ref, arbiter: c.arbiter });
      // below 2^32 the bytes are identical; above, cbor-x writes the host's integers as float64
      // where the firmware writes 8-byte integers: different bytes, the same transaction once opened
      if (c.amount < 2 ** 32 && c.nonce < 2 ** 32) expect(out[i], c.kind).toBe(hex(host.wire));
      const opened = openTx(new Uint8Array(Buffer.from(out[i]!, "hex")), ring);
      expect(opened.body).toEqual(host.body);
    });
    // another device's seed: the ledger refuses it as forged
    const other = execFileSync(BIN, { input: `transfer ${id} drone-1 5 1 - - ${hex(simDeviceSeed(8, id))}\n`, encoding: "utf8" }).trim();
    expect(() => openTx(new Uint8Array(Buffer.from(other, "hex")), ring)).toThrow(/forged/);
  });

  it("the wallet host functions compile beside the others", () => {
    const rt = path.join(ROOT, "firmware/runtime");
    execFileSync("cc", ["-std=gnu11", "-Wall", "-Wextra", "-Werror", "-fsyntax-only", `-I${rt}`, path.join(rt, "hostfns.c")]);
  });
});
