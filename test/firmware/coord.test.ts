// The firmware's coordination port (firmware/runtime/coord.c with envelope.c, compiled for the
// host) against host/coordination's CoordBusPort: the same agent bodies give the same topic,
// retain flag and envelope bytes; the same envelopes give agents the same bodies; the same
// messages are refused.
import { execFileSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { CoordBusPort, CoordNode } from "../../host/coordination/index.ts";
import { VirtualClock } from "../../host/kernel/index.ts";
import { cborEncode } from "../../host/net/cbor.ts";
import { Sealer } from "../../host/net/envelope.ts";
import { deviceKeyFromSeed, KeyRing, simDeviceSeed } from "../../host/net/index.ts";
import type { OnMessage, PublishOptions, Transport } from "../../host/net/transport.ts";
import { missingTools, OUT, ROOT } from "./helpers.ts";

const missing = missingTools(["cc"]);
const BIN = path.join(OUT, "coord");
const RUN_SEED = 7;
const FW = "fw-1";
const SITE = "lab";
const SEQ_BASE = 100;
const hex = (b: Uint8Array) => Buffer.from(b).toString("hex") || "-";
const unhex = (h: string) => new Uint8Array(Buffer.from(h, "hex"));
const simKey = (id: string) => deviceKeyFromSeed(id, simDeviceSeed(RUN_SEED, id));
const simRing = () => new KeyRing((id) => simKey(id).publicKey);

// ---- CBOR as the AssemblyScript SDK writes it (assembly/sdk/cbor.ts): f64 always as float64 ----
class F64 {
  constructor(readonly v: number) {}
}
class Raw {
  constructor(readonly b: number[]) {}
}
type As = number | string | boolean | null | F64 | Raw | Uint8Array | As[] | { [k: string]: As };
function headOf(major: number, n: number): number[] {
  if (n < 24) return [(major << 5) | n];
  if (n < 0x100) return [(major << 5) | 24, n];
  if (n < 0x10000) return [(major << 5) | 25, n >> 8, n & 0xff];
  if (n < 2 ** 32) return [(major << 5) | 26, ...[24, 16, 8, 0].map((s) => (n >>> s) & 0xff)];
  const hi = Math.floor(n / 2 ** 32);
  return [(major << 5) | 27, ...[24, 16, 8, 0].map((s) => (hi >>> s) & 0xff), ...[24, 16, 8, 0].map((s) => (n >>> s) & 0xff)];
}
function asBytes(v: As): number[] {
  if (v instanceof F64) {
    const b = Buffer.alloc(8);
    b.writeDoubleBE(v.v);
    return [0xfb, ...b];
  }
  if (v instanceof Raw) return v.b;
  if (v instanceof Uint8Array) return [...headOf(2, v.length), ...v];
  if (v === null) return [0xf6];
  if (typeof v === "boolean") return [v ? 0xf5 : 0xf4];
  if (typeof v === "number") return v >= 0 ? headOf(0, v) : headOf(1, -1 - v);
  if (typeof v === "string") {
    const b = Buffer.from(v, "utf8");
    return [...headOf(3, b.length), ...b];
  }
  if (Array.isArray(v)) return [...headOf(4, v.length), ...v.flatMap(asBytes)];
  const entries = Object.entries(v);
  return [...headOf(5, entries.length), ...entries.flatMap(([k, x]) => [...asBytes(k), ...asBytes(x)])];
}
const as = (v: As) => Uint8Array.from(asBytes(v));

// ---- the host's side: a CoordBusPort on a CoordNode whose transport records and injects ----
class Capture implements Transport {
  readonly name: string;
  readonly connected = true;
  readonly sent: { topic: string; payload: Uint8Array; opts: PublishOptions }[] = [];
  private subs: { filter: string; fn: OnMessage }[] = [];
  constructor(name: string) {
    this.name = name;
  }
  async connect(): Promise<void> {}
  async close(): Promise<void> {}
  async publish(topic: string, payload: Uint8Array, opts: PublishOptions = {}): Promise<void> {
    this.sent.push({ topic, payload, opts });
  }
  async subscribe(filter: string, fn: OnMessage) {
    this.subs.push({ filter, fn });
    return async () => undefined;
  }
  inject(topic: string, payload: Uint8Array): void {
    for (const s of this.subs) s.fn(topic, payload, { retained: false });
  }
}

function hostPort() {
  const clock = new VirtualClock();
  const transport = new Capture(FW);
  const logs: string[] = [];
  const node = new CoordNode({ transport, clock, key: simKey(FW), keys: simRing(), site: SITE, lastSeq: SEQ_BASE, log: (l) => logs.push(l) });
  const port = new CoordBusPort(node);
  return { clock, transport, node, port, logs };
}

function harness(lines: string[]): string[] {
  const args = [FW, hex(simDeviceSeed(RUN_SEED, FW)), `colony-sim/${RUN_SEED}/`, String(SEQ_BASE)];
  return execFileSync(BIN, args, { input: lines.join("\n") + "\n", encoding: "utf8" }).trim().split("\n");
}

/** What agents publish on coord/ topics: [agent, topic, body, ts]. */
const outgoing: [string, string, Uint8Array, number][] = [
  // presence beats as assembly/sdk/presence.ts writes them: f64 state fields, integral or not
  ["peer", "coord/presence/$device", as({ kind: "presence.beat", epoch: 3, every: 1000, state: { battery: new F64(1), load: new F64(0.25), capabilities: ["gw", "temp"], position: [new F64(2), new F64(-3.5)] } }), 1000],
  ["peer", "coord/presence/$device", as({ kind: "presence.beat", epoch: 3, every: 1000, state: { battery: new F64(0.875), load: new F64(0), capabilities: [], position: [] } }), 2000],
  // leader claims and resignations (assembly/sdk/election.ts)
  ["peer", "coord/leader/gw", as({ kind: "leader.claim", role: "gw", term: 4, leader: "$device", lease: 3000 }), 2100],
  ["peer", "coord/leader/gw", as({ kind: "leader.resign", role: "gw", term: 4, leader: "$device" }), 2200],
  // lease acquire and release (assembly/sdk/lease.ts): `asked` is an f64 of the clock
  ["leaser", "coord/lease/valve/req", as({ kind: "lease.acquire", resource: "valve", ttl: 900, asked: new F64(123456) }), 3000],
  ["leaser", "coord/lease/valve/req", as({ kind: "lease.acquire", resource: "valve", ttl: 900, asked: new F64(123456.5) }), 3001],
  ["leaser", "coord/lease/valve/req", as({ kind: "lease.release", resource: "valve" }), 3100],
  // a lease server's state, holder null; a clean leave
  ["owner", "coord/lease/valve", as({ kind: "lease.state", resource: "valve", holder: null, fence: 2, until: 0 }), 3200],
  ["peer", "coord/presence/$device", as({ kind: "presence.gone", epoch: 3, why: "leave" }), 4000],
  // $device at any level and any top-level text value, not nested ones; kind anywhere in the map
  ["peer", "coord/leader/$device/x", as({ role: "$device", kind: "leader.claim", nested: { leader: "$device" }, list: ["$device"], term: 1 }), 4100],
  // the rewriting cbor-x does: big and negative integers, float32 and float16, indefinite lengths, bytes, tags
  ["peer", "coord/leader/gw", as({ kind: "leader.claim", big: 2 ** 40, neg: -(2 ** 32), neg2: -(2 ** 33), f32: new Raw([0xfa, 0x3f, 0xc0, 0, 0]), f32i: new Raw([0xfa, 0x40, 0x40, 0, 0]), f16: new Raw([0xf9, 0x3c, 0x00]), nan: new Raw([0xf9, 0x7e, 0x00]), inf: new Raw([0xf9, 0x7c, 0x00]), b: Uint8Array.of(1, 2, 3), t: true, u: new Raw([0xf7]), ind: new Raw([0x9f, 0x01, 0xbf, 0x61, 0x61, 0x02, 0xff, 0xff]), tag: new Raw([0xc1, 0x1a, 0, 0, 0, 1]), long: "x".repeat(30), m: -7 }), 4200],
  // indefinite-length top-level map
  ["peer", "coord/leader/gw", new Uint8Array([0xbf, ...as("kind"), ...as("leader.claim"), ...as("term"), 5, 0xff]), 4300],
];

/** Refused: the same reasons as CoordBusPort.refused names them. */
const refusals: [string, string, Uint8Array, string][] = [
  ["peer", "coord/leader/gw", Uint8Array.of(0xa1, 0x61), "malformed-body"],
  ["peer", "coord/leader/gw", as([1, 2]), "not-a-map"],
  ["peer", "coord/leader/gw", as({ kind: "cnet.bid", x: 1 }), "bad-kind"],
  ["peer", "coord/leader/gw", as({ role: "gw" }), "bad-kind"],
  ["peer", "coord/leader/gw", as({ kind: 5 }), "bad-kind"],
  ["peer", "coord/presence/other", as({ kind: "presence.beat", epoch: 1 }), "bad-topic"],
  ["peer", "coord/leader/gw", as({ kind: "presence.beat", epoch: 1 }), "bad-topic"],
];
const REASONS = ["malformed-body", "not-a-map", "bad-kind", "bad-topic"];

describe.skipIf(missing.length > 0)("firmware coordination port against CoordBusPort", () => {
  beforeAll(() => {
    mkdirSync(OUT, { recursive: true });
    const rt = path.join(ROOT, "firmware/runtime");
    const crypto = path.join(ROOT, "firmware/crypto");
    execFileSync("cc", ["-std=gnu11", "-O2", "-Wall", "-Wextra", "-Werror", `-I${rt}`, path.join(ROOT, "test/firmware/harness/coord.c"), ...["coord", "envelope", "cbor"].map((f) => path.join(rt, `${f}.c`)), ...["sha256", "sha512", "ed25519"].map((f) => path.join(crypto, `${f}.c`)), "-o", BIN]);
  });

  it("seals presence beats, leader claims and lease requests byte for byte as CoordBusPort, with its topic and retain flag", () => {
    const host = hostPort();
    const expected = outgoing.map(([agent, topic, body, ts]) => {
      host.clock.runUntil(ts);
      host.port.publish({ topic: `colony/${SITE}/${topic}`, from: `${FW}/${agent}`, body, qos: 1 });
      const s = host.transport.sent.at(-1)!;
      return `ok ${s.topic.slice(`colony/${SITE}/`.length)} ${s.opts.retain ? 1 : 0} ${hex(s.payload)}`;
    });
    expect(host.transport.sent).toHaveLength(outgoing.length);
    const out = harness(outgoing.map(([agent, topic, body, ts]) => `seal ${agent} ${topic} ${hex(body)} ${ts}`));
    expect(out).toEqual(expected);
    // spot checks of what the rules mean, beyond "the same as the host"
    expect(out[0]).toMatch(/^ok coord\/presence\/fw-1 1 /);
    expect(out[4]).toMatch(/^ok coord\/lease\/valve\/req 0 /);
    expect(out[9]).toMatch(/^ok coord\/leader\/fw-1\/x 1 /);
  });

  it("refuses what CoordBusPort refuses, with a console line, counted by reason", () => {
    const host = hostPort();
    for (const [agent, topic, body] of refusals) host.port.publish({ topic: `colony/${SITE}/${topic}`, from: `${FW}/${agent}`, body, qos: 1 });
    expect(host.transport.sent).toHaveLength(0);
    const out = harness([...refusals.map(([agent, topic, body]) => `seal ${agent} ${topic} ${hex(body)} 1`), "refused"]);
    refusals.forEach(([agent, topic, , why], i) => {
      expect(out[i]).toMatch(new RegExp(`^refused -1 agent message refused: ${FW}/${agent}${why === "bad-topic" ? "" : ` on ${topic}`}: `));
      expect(host.logs[i]).toContain(`agent message refused: ${FW}/${agent}`);
    });
    expect(out[2]).toContain('kind "cnet.bid" is not one an agent may send');
    expect(out[3]).toContain("kind undefined is not one an agent may send");
    expect(out.at(-1)).toBe(`${REASONS.map((r) => host.port.refused.get(r) ?? 0).join(" ")} 0`);
  });

  it("hands agents what CoordBusPort hands them: the body with kind, from and me, own claims included", () => {
    const host = hostPort();
    const delivered: { topic: string; body: Uint8Array }[] = [];
    host.port.subscribe(`colony/${SITE}/coord/#`, (m) => delivered.push({ topic: m.topic, body: m.body }));
    const sim2 = new Sealer(simKey("sim-2"), () => 10);
    const own = new Sealer(simKey(FW), () => 10, 5000);
    const gone = sim2.seal("presence.gone", { epoch: 1, why: "will" }); // a will: sealed first, sent last
    const msgs: [string, Uint8Array][] = [
      ["coord/presence/sim-2", sim2.seal("presence.beat", { epoch: 1, every: 1000, state: { battery: 0.5, load: 1, capabilities: ["gw"], position: [1.5, 2] } })],
      ["coord/leader/gw", sim2.seal("leader.claim", { role: "gw", term: 2, leader: "sim-2", lease: 3000 })],
      ["coord/lease/valve", sim2.seal("lease.state", { resource: "valve", holder: "fw-1", fence: 3, until: 5000 })],
      ["coord/lease/valve/req", sim2.seal("lease.acquire", { resource: "valve", ttl: 900, asked: 77 })],
      ["coord/lease/valve/req", sim2.seal("lease.release", { resource: "valve" })],
      // fields named kind/from/me keep their place with the true values
      ["coord/leader/gw", sim2.seal("leader.claim", { me: "x", role: "gw", from: "mallory", term: 3, leader: "sim-2" })],
      // this device's own claim, echoed by the broker
      ["coord/leader/gw", own.seal("leader.claim", { role: "gw", term: 4, leader: FW, lease: 3000 })],
      // a bus.msg on a coord/ topic is an ordinary agent message
      ["coord/leader/gw", sim2.seal("bus.msg", { agent: "peer", data: cborEncode({ hello: 1 }) })],
      // kinds agents do not take, and bodies that are not maps: nothing
      ["coord/leader/gw", sim2.seal("cnet.bid", { task: "t" })],
      ["coord/leader/gw", sim2.seal("leader.claim", [1, 2])],
      // the will, older than everything above: opened without the window on a presence topic
      ["coord/presence/sim-2", gone],
    ];
    // the will again (the host opens it outside the window every time), then a replayed claim
    const replayed = msgs[1]!;
    const all = [...msgs, ["coord/presence/sim-2", gone] as [string, Uint8Array], replayed];
    const expected: string[] = [];
    for (const [topic, env] of all) {
      const before = delivered.length;
      host.transport.inject(`colony/${SITE}/${topic}`, env);
      expect(delivered.length - before).toBeLessThanOrEqual(1);
      expected.push(delivered.length > before ? `ok ${hex(delivered.at(-1)!.body)}` : "none");
    }
    const out = harness(all.map(([topic, env]) => `open ${topic} ${hex(env)}`));
    // the host drops a replay without delivering it; the firmware says why
    expect(out.at(-1)).toBe("refused replay: sim-2#3 already seen or older than the window");
    expect(expected.at(-1)).toBe("none");
    expect(out.slice(0, -1)).toEqual(expected.slice(0, -1));
    expect(expected.filter((e) => e.startsWith("ok"))).toHaveLength(10);
    expect(out.at(-2)).toBe(out.at(-3));
  });
});
