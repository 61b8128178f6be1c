import { describe, expect, it } from "vitest";
import { VirtualClock } from "../../host/kernel/scheduler.ts";
import { InProcessBus, InProcessTransport } from "../../host/net/inproc/index.ts";
import { QueueFullError } from "../../host/net/queue.ts";

const enc = (n: number) => new Uint8Array([n & 255, n >> 8]);
const dec = (b: Uint8Array) => b[0]! | (b[1]! << 8);

function run(seed: number, model = { latency: 5, jitter: 20, loss: 0.3, duplicate: 0.2, reorder: 0.2, reorderDelay: 30 }) {
  const clock = new VirtualClock();
  const bus = new InProcessBus(clock, model, seed);
  const a = new InProcessTransport(bus, { name: "a" });
  const b = new InProcessTransport(bus, { name: "b" });
  void a.connect();
  void b.connect();
  const trace: string[] = [];
  const q1 = new Set<number>();
  let q0 = 0;
  void b.subscribe("colony/s/#", (t, p) => {
    trace.push(`${clock.now().toFixed(3)} ${t} ${dec(p)}`);
    if (t.endsWith("q1")) q1.add(dec(p));
    else q0++;
  });
  for (let i = 0; i < 300; i++) {
    clock.at(i * 2, () => {
      a.publishSync("colony/s/q1", enc(i), { qos: 1 });
      a.publishSync("colony/s/q0", enc(i), { qos: 0 });
    });
  }
  clock.runUntil(60_000);
  return { trace, q1, q0, bus };
}

describe("in-process bus network model", () => {
  it("delivers every QoS 1 message despite 30% loss, duplicates and reordering; QoS 0 may be lost", () => {
    const r = run(42);
    expect(r.q1.size).toBe(300);
    expect(r.q0).toBeLessThan(300 * 1.2); // some lost, some duplicated
    expect(r.bus.stats.lost).toBeGreaterThan(50);
    expect(r.bus.stats.duplicated).toBeGreaterThan(20);
    const order = r.trace.filter((l) => l.includes("q1")).map((l) => Number(l.split(" ")[2]));
    expect(order.some((v, i) => i > 0 && v < order[i - 1]!)).toBe(true); // reordered
  });

  it("is deterministic: the same seed gives the same trace, another seed another", () => {
    expect(run(9).trace).toEqual(run(9).trace);
    expect(run(9).trace).not.toEqual(run(10).trace);
  });

  it("partitions block both ways; QoS 1 gets through after heal, QoS 0 does not", () => {
    const clock = new VirtualClock();
    const bus = new InProcessBus(clock, { latency: 2 });
    const [a, b, c] = ["a", "b", "c"].map((n) => new InProcessTransport(bus, { name: n }));
    for (const t of [a!, b!, c!]) void t.connect();
    const got: string[] = [];
    for (const t of [b!, c!]) void t.subscribe("x/#", (topic, p) => got.push(`${t.name} ${topic} ${dec(p)}`));
    bus.partition(["a"], ["b"]);
    a!.publishSync("x/1", enc(1), { qos: 1 });
    a!.publishSync("x/0", enc(0), { qos: 0 });
    clock.runUntil(1000);
    expect(got.sort()).toEqual(["c x/0 0", "c x/1 1"]);
    bus.heal();
    clock.runUntil(2000);
    expect(got.sort()).toEqual(["b x/1 1", "c x/0 0", "c x/1 1"]);
  });

  it("queues while the link is down, flushes in order when it returns, and publishes the will if it stays down", () => {
    const clock = new VirtualClock();
    const bus = new InProcessBus(clock, { latency: 1, keepAlive: 1000 });
    const a = new InProcessTransport(bus, { name: "a", queueLimit: 5, will: { topic: "w/a", payload: enc(99) } });
    const b = new InProcessTransport(bus, { name: "b" });
    void a.connect();
    void b.connect();
    const got: string[] = [];
    void b.subscribe("#", (t, p) => got.push(`${t} ${dec(p)}`));
    bus.setLink("a", false);
    expect(a.connected).toBe(false);
    for (let i = 0; i < 5; i++) a.publishSync("q", enc(i), { qos: 1 });
    expect(() => a.publishSync("q", enc(5), { qos: 1 })).toThrow(QueueFullError);
    clock.runUntil(500);
    bus.setLink("a", true);
    clock.runUntil(600);
    expect(got).toEqual(["q 0", "q 1", "q 2", "q 3", "q 4"]);
    bus.setLink("a", false);
    clock.runUntil(3000); // > 1.5 x keepAlive: declared lost
    expect(got.at(-1)).toBe("w/a 99");
  });
});

describe("createTransport", () => {
  it("builds each kind from a description", async () => {
    const { createTransport, InProcessBus: Bus, MqttTransport, MqttSnClient } = await import("../../host/net/index.ts");
    const bus = new Bus(new VirtualClock());
    expect(createTransport({ kind: "inproc", bus }, { name: "a" })).toBeInstanceOf(InProcessTransport);
    expect(createTransport({ kind: "mqtt", url: "mqtt://127.0.0.1:1" }, { name: "b" })).toBeInstanceOf(MqttTransport);
    expect(createTransport({ kind: "mqttsn", port: 1 }, { name: "c" })).toBeInstanceOf(MqttSnClient);
  });
});
