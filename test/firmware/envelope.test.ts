// The firmware's envelopes (firmware/runtime/envelope.c, compiled for the host)
// against host/net's Sealer and Opener: the same bytes sealed, each side opens
// what the other sealed, and forged, replayed or malformed envelopes are refused
// with the problem host/net names.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { envelopeSource, firmwareKeys } from "../../host/firmware/index.ts";
import { cborDecode, cborEncode } from "../../host/net/cbor.ts";
import { deviceKeyFromSeed, generateDeviceKey, KeyRing, simDeviceSeed } from "../../host/net/index.ts";
import { Opener, Sealer, signedBytes } from "../../host/net/envelope.ts";
import { signBytes } from "../../host/net/keys.ts";
import { missingTools, OUT, ROOT } from "./helpers.ts";

const missing = missingTools(["cc"]);
const BIN = path.join(OUT, "envelope");
const RUN_SEED = 7;
const FW = "fw-1";
const hex = (b: Uint8Array) => Buffer.from(b).toString("hex") || "-";
const unhex = (h: string) => new Uint8Array(Buffer.from(h, "hex"));

/** The simulator's KeyRing for run seed RUN_SEED (host/sim/network.ts). */
const simRing = () => new KeyRing((id) => deviceKeyFromSeed(id, simDeviceSeed(RUN_SEED, id)).publicKey);
const simKey = (id: string) => deviceKeyFromSeed(id, simDeviceSeed(RUN_SEED, id));

function harness(lines: string[], opts: { prefix?: string | null; seqBase?: number; trusted?: Record<string, Uint8Array> } = {}): string[] {
  const args = [FW, hex(simDeviceSeed(RUN_SEED, FW)), opts.prefix === null ? "-" : (opts.prefix ?? `colony-sim/${RUN_SEED}/`), String(opts.seqBase ?? 100)];
  for (const [id, k] of Object.entries(opts.trusted ?? {})) args.push(`${id}=${hex(k)}`);
  return execFileSync(BIN, args, { input: lines.join("\n") + "\n", encoding: "utf8" }).trim().split("\n");
}

/** A bus.msg envelope as the host's CoordBusPort seals it. */
function busMsg(sealer: Sealer, agent: string, data: Uint8Array): Uint8Array {
  return sealer.seal("bus.msg", { agent, data });
}

describe("firmware keys from the build", () => {
  it("derives the simulator's key for the device, or reads --key and --trust files", () => {
    const k = firmwareKeys({ deviceId: "qemu-1", seed: 42, seqBase: 5 });
    expect(hex(k.seed)).toBe(createHash("sha256").update("colony-sim/42/qemu-1").digest("hex"));
    expect(k.publicKey).toEqual(deviceKeyFromSeed("qemu-1", k.seed).publicKey);
    expect(k.derivePrefix).toBe("colony-sim/42/");
    const dir = path.join(OUT, "keys");
    mkdirSync(dir, { recursive: true });
    const other = generateDeviceKey("gw-2");
    writeFileSync(path.join(dir, "device.key"), "11".repeat(32) + "\n");
    writeFileSync(path.join(dir, "trust.json"), JSON.stringify({ "gw-2": hex(other.publicKey) }));
    const f = firmwareKeys({ deviceId: "qemu-1", keyFile: path.join(dir, "device.key"), trustFile: path.join(dir, "trust.json") });
    expect(hex(f.seed)).toBe("11".repeat(32));
    expect(f.derivePrefix).toBeUndefined();
    expect(f.trusted.get("gw-2")).toEqual(other.publicKey);
    expect(envelopeSource(f)).toContain('"gw-2"');
    writeFileSync(path.join(dir, "bad.key"), "abc");
    expect(() => firmwareKeys({ deviceId: "x", keyFile: path.join(dir, "bad.key") })).toThrow(/bad\.key: expected 64 hex digits/);
    expect(() => firmwareKeys({ deviceId: "x" })).toThrow(/--seed <n> .* or --key <file>/);
  });
});

describe.skipIf(missing.length > 0)("firmware envelopes against host/net", () => {
  beforeAll(() => {
    mkdirSync(OUT, { recursive: true });
    const rt = path.join(ROOT, "firmware/runtime");
    const crypto = path.join(ROOT, "firmware/crypto");
    execFileSync("cc", ["-std=gnu11", "-O2", "-Wall", "-Wextra", `-I${rt}`, path.join(ROOT, "test/firmware/harness/envelope.c"), path.join(rt, "envelope.c"), path.join(rt, "cbor.c"), ...["sha256", "sha512", "ed25519"].map((f) => path.join(crypto, `${f}.c`)), "-o", BIN]);
  });

  it("seals byte for byte as host/net's Sealer, and the simulator's Opener accepts it", () => {
    const data = cborEncode({ n: 5, rms: 1.25 });
    const out = harness([`seal heartbeat ${hex(data)} 1234`, `seal heartbeat ${hex(data)} 1300`]);
    const fwKey = simKey(FW);
    let ts = 1234;
    const host = new Sealer(fwKey, () => ts, 100);
    expect(out[0]).toBe(hex(busMsg(host, "heartbeat", data)));
    ts = 1300;
    expect(out[1]).toBe(hex(busMsg(host, "heartbeat", data)));
    const opener = new Opener(simRing());
    const env = opener.open(unhex(out[0]!));
    expect(env).toMatchObject({ from: FW, seq: 101, ts: 1234, kind: "bus.msg", body: { agent: "heartbeat", data } });
    expect(opener.open(unhex(out[1]!)).seq).toBe(102);
    expect(out[2]).toBe("last_seq 102 refused 0");
  });

  it("opens what a simulated device seals, once, and refuses forgeries, replays and malformed envelopes", () => {
    const sim = new Sealer(simKey("sim-2"), () => 50);
    const data = cborEncode({ sensor: "accel0", rms: 1.25, alarm: 1 });
    const good = busMsg(sim, "monitor", data);
    const later = busMsg(sim, "monitor", data);
    // signed by a key that is not sim-2's: what a forger without the fleet's keys can do
    const forged = busMsg(new Sealer(generateDeviceKey("sim-2"), () => 60, 10), "monitor", data);
    const flipped = Uint8Array.from(good);
    flipped[flipped.length - 3]! ^= 0x10; // inside sig
    const other = busMsg(new Sealer(simKey("sim-3"), () => 1), "x", data);
    const own = busMsg(new Sealer(simKey(FW), () => 1), "heartbeat", data);
    const sign = (m: { v: number; from: string; seq: number; ts: number; kind: string; body: Uint8Array }) => ({ ...m, sig: signBytes(simKey(m.from), signedBytes(m.v, m.from, m.seq, m.ts, m.kind, m.body)) });
    const otherKind = cborEncode(sign({ v: 1, from: "sim-2", seq: 100, ts: 1, kind: "presence.beat", body: cborEncode({ epoch: 1 }) }));
    const v2 = cborEncode(sign({ v: 2, from: "sim-2", seq: 101, ts: 1, kind: "bus.msg", body: cborEncode({ agent: "a", data }) }));
    const noSig = cborEncode({ v: 1, from: "sim-2", seq: 102, ts: 1, kind: "bus.msg", body: cborEncode({ agent: "a", data }) });
    const badBody = cborEncode(sign({ v: 1, from: "sim-2", seq: 103, ts: 1, kind: "bus.msg", body: Uint8Array.of(0xa1, 0x61) }));
    const out = harness([good, good, later, forged, flipped, other, own, otherKind, v2, noSig, badBody, Uint8Array.of(0xff), cborEncode([1, 2]), cborEncode({ v: 1, from: "sim-2", seq: "x" })].map((e) => `open ${hex(e)}`));
    expect(out).toEqual([
      `ok ${hex(data)}`,
      "refused replay: sim-2#1 already seen or older than the window",
      `ok ${hex(data)}`,
      "refused bad-signature: sim-2#11 does not verify",
      "refused bad-signature: sim-2#1 does not verify",
      `ok ${hex(data)}`,
      "own",
      "refused not-bus-msg: kind presence.beat",
      "refused unsupported-version: v=2",
      "refused bad-field: field sig is missing",
      "refused malformed-body: body is not one CBOR item",
      "refused malformed-cbor: not one well-formed CBOR item",
      "refused not-a-map: top-level item is not a definite-length map",
      "refused bad-field: field seq must be an unsigned integer",
      "last_seq 0 refused 10",
    ]);
  });

  it("keeps a replay window per sender: late arrivals inside it once, nothing older", () => {
    const key = simKey("sim-4");
    const at = (seq: number) => busMsg(new Sealer(key, () => 1, seq - 1), "a", Uint8Array.of(seq & 0x17));
    const seqs = [10, 8, 9, 8, 80, 17, 16, 17, 81, 79];
    const out = harness(seqs.map((s) => `open ${hex(at(s))}`));
    const opener = new Opener(simRing(), 64); // the host's window, same size
    const host = seqs.map((s) => {
      try {
        opener.open(at(s));
        return "ok";
      } catch (e) {
        return (e as { problem: string }).problem;
      }
    });
    expect(out.slice(0, -1).map((l) => (l.startsWith("ok") ? "ok" : l.split(" ")[1]!.replace(":", "")))).toEqual(host);
    expect(host).toEqual(["ok", "ok", "ok", "replay", "ok", "ok", "replay", "replay", "ok", "ok"]);
  });

  it("remembers a sender only once its envelope verifies: forgeries under made-up ids take no slot", () => {
    const data = Uint8Array.of(1);
    const forged = [...Array(20).keys()].map((i) => busMsg(new Sealer(generateDeviceKey(`ghost-${i}`), () => 1), "a", data));
    const real = [...Array(17).keys()].map((i) => busMsg(new Sealer(simKey(`dev-${i}`), () => 1), "a", data));
    const out = harness([...forged, ...real].map((e) => `open ${hex(e)}`));
    expect(out.slice(0, 20).every((l) => /^refused bad-signature: ghost-\d+#1 does not verify$/.test(l))).toBe(true);
    expect(out.slice(20, 36)).toEqual(Array(16).fill("ok 01"));
    expect(out[36]).toBe('refused unknown-sender: no room to remember "dev-16" (16 senders)');
  });

  it("trusts only the build's keys when it has no simulation seed", () => {
    const ops = generateDeviceKey("ops");
    const fromOps = busMsg(new Sealer(ops, () => 1), "console", Uint8Array.of(1));
    const fromSim = busMsg(new Sealer(simKey("sim-2"), () => 1), "monitor", Uint8Array.of(1));
    const out = harness([`open ${hex(fromOps)}`, `open ${hex(fromSim)}`], { prefix: null, trusted: { ops: ops.publicKey } });
    expect(out.slice(0, 2)).toEqual(["ok 01", 'refused unknown-sender: no key for device "sim-2"']);
  });

  it("writes and reads numbers past 2^32 as host/net does (cbor-x: float64), so signatures still match", () => {
    const big = 2 ** 32 + 5;
    const data = Uint8Array.of(0x01);
    const out = harness([`seal a ${hex(data)} 5000000000123`], { seqBase: big });
    const host = new Sealer(simKey(FW), () => 5000000000123, big);
    expect(out[0]).toBe(hex(busMsg(host, "a", data)));
    expect(new Opener(simRing()).open(unhex(out[0]!))).toMatchObject({ seq: big + 1, ts: 5000000000123 });
    const fromSim = busMsg(new Sealer(simKey("sim-2"), () => 1764000000000.7, 2 ** 40), "m", data);
    expect(harness([`open ${hex(fromSim)}`])[0]).toBe("ok 01");
  });

  it("decodes as host/net decodes: the sealed map has exactly the protocol's fields", () => {
    const [line] = harness(["seal a - 9"]);
    expect(Object.keys(cborDecode(unhex(line!)) as object)).toEqual(["v", "from", "seq", "ts", "kind", "body", "sig"]);
  });
});
