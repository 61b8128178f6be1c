import { describe, expect, it } from "vitest";
import { Opener, Sealer, EnvelopeError, signedBytes, parse } from "../../host/net/envelope.ts";
import { KeyRing, deviceKeyFromSeed, generateDeviceKey } from "../../host/net/keys.ts";
import { cborDecode, cborEncode } from "../../host/net/cbor.ts";
import { ReplayWindow } from "../../host/net/replay.ts";
import { topicMatches, siteTopic } from "../../host/net/topics.ts";

function setup() {
  const a = deviceKeyFromSeed("dev-a", new Uint8Array(32).fill(1));
  const ring = new KeyRing();
  ring.add(a.id, a.publicKey);
  let t = 1000;
  return { a, ring, sealer: new Sealer(a, () => t++), opener: new Opener(ring) };
}

function problem(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(EnvelopeError);
    return (e as EnvelopeError).problem;
  }
  throw new Error("expected an EnvelopeError");
}

describe("envelope", () => {
  it("round-trips and exposes every field", () => {
    const { sealer, opener } = setup();
    const env = opener.open(sealer.seal("presence.beat", { battery: 0.5, caps: ["pump"] }));
    expect(env).toMatchObject({ v: 1, from: "dev-a", seq: 1, ts: 1000, kind: "presence.beat", body: { battery: 0.5, caps: ["pump"] } });
    expect(env.sig.length).toBe(64);
  });

  it("writes integers of 2^32 and more as shortest-form uints, not floats (real-time ts)", () => {
    const { a, ring } = setup();
    const ts = 1_764_000_000_123;
    const wire = new Sealer(a, () => ts).seal("k", 1);
    const hex = Buffer.from(wire).toString("hex");
    expect(hex).toContain("627473" + "1b" + ts.toString(16).padStart(16, "0")); // "ts": 0x1b + 8 bytes
    expect(hex).not.toContain("627473fb");
    const sb = Buffer.from(signedBytes(1, "dev-a", 1, ts, "k", Uint8Array.of(1))).toString("hex");
    expect(sb).toBe("86" + "01" + "656465762d61" + "01" + "1b" + ts.toString(16).padStart(16, "0") + "616b" + "4101");
    expect(new Opener(ring).open(wire)).toMatchObject({ ts, seq: 1 });
  });

  it("wire format is a plain CBOR map and the signature covers the documented array", () => {
    const { sealer, ring } = setup();
    const wire = sealer.seal("k", [1, 2]);
    const m = cborDecode(wire) as Record<string, unknown>;
    expect(Object.keys(m).sort()).toEqual(["body", "from", "kind", "seq", "sig", "ts", "v"]);
    expect(cborDecode(m.body as Uint8Array)).toEqual([1, 2]);
    const sb = signedBytes(1, "dev-a", 1, 1000, "k", m.body as Uint8Array);
    expect(sb[0]).toBe(0x86); // array of 6
    expect(ring.verify("dev-a", sb, m.sig as Uint8Array)).toBe(true);
  });

  it("refuses a forged signature, a tampered body and an unknown sender", () => {
    const { sealer, opener } = setup();
    const wire = sealer.seal("k", { x: 1 });
    const m = parse(wire);
    const forged = cborEncode({ ...m, body: cborEncode({ x: 2 }) });
    expect(problem(() => opener.open(forged))).toBe("bad-signature");
    const other = generateDeviceKey("dev-a"); // same id, wrong key
    expect(problem(() => opener.open(new Sealer(other, () => 0).seal("k", 1)))).toBe("bad-signature");
    expect(problem(() => opener.open(new Sealer(generateDeviceKey("dev-z"), () => 0).seal("k", 1)))).toBe("unknown-sender");
    // the real message still opens: forgeries did not move the window
    expect(opener.open(wire).body).toEqual({ x: 1 });
  });

  it("refuses replays and anything older than the window, accepts reordering inside it", () => {
    const { sealer, opener } = setup();
    const msgs = Array.from({ length: 100 }, (_, i) => sealer.seal("k", i));
    expect(opener.open(msgs[5]!).seq).toBe(6);
    expect(opener.open(msgs[2]!).seq).toBe(3); // late but inside the window
    expect(problem(() => opener.open(msgs[5]!))).toBe("replay");
    expect(opener.open(msgs[99]!).seq).toBe(100);
    expect(problem(() => opener.open(msgs[10]!))).toBe("replay"); // 11 <= 100 - 64
    expect(opener.open(msgs[50]!).seq).toBe(51);
  });

  it("names the problem in malformed input", () => {
    const { opener } = setup();
    expect(problem(() => opener.open(new Uint8Array([0xff])))).toBe("malformed-cbor");
    expect(problem(() => opener.open(new Uint8Array([0xa1, 0x61])))).toBe("malformed-cbor");
    expect(problem(() => opener.open(cborEncode([1, 2])))).toBe("not-a-map");
    expect(problem(() => opener.open(cborEncode({ v: 2 })))).toBe("unsupported-version");
    const e = (() => {
      try {
        opener.open(cborEncode({ v: 1, from: "a", seq: 1, ts: 0, kind: "k", body: "nope", sig: new Uint8Array(64) }));
      } catch (err) {
        return err as Error;
      }
    })();
    expect(e?.message).toMatch(/field body must be a byte string/);
    expect(problem(() => opener.open(cborEncode({ v: 1, from: "a", seq: -1 })))).toBe("bad-field");
  });

  it("replay window bookkeeping", () => {
    const w = new ReplayWindow(4);
    expect([1, 2, 3, 2, 10, 6, 7, 6, 5].map((s) => w.accept(s))).toEqual([true, true, true, false, true, false, true, false, false]);
  });

  it("topics", () => {
    expect(siteTopic("plant1", "presence/dev-a")).toBe("colony/plant1/presence/dev-a");
    expect(() => siteTopic("a/b", "x")).toThrow(/site/);
    expect(topicMatches("colony/+/presence/#", "colony/s/presence/a")).toBe(true);
    expect(topicMatches("colony/+/presence/#", "colony/s/presence")).toBe(true);
    expect(topicMatches("colony/s/+", "colony/s/a/b")).toBe(false);
    expect(topicMatches("#", "$SYS/x")).toBe(false);
  });
});
