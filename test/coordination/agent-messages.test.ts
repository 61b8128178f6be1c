import { describe, expect, it } from "vitest";
import { VirtualClock } from "../../host/kernel/scheduler.ts";
import type { BusMessage } from "../../host/kernel/index.ts";
import { CoordBusPort, CoordNode } from "../../host/coordination/index.ts";
import { InProcessBus, InProcessTransport, KeyRing, deviceKeyFromSeed, cborEncode, cborDecode } from "../../host/net/index.ts";

function port(bus: InProcessBus, clock: VirtualClock, ring: KeyRing, id: string, n: number, trusted = true) {
  const key = deviceKeyFromSeed(id, new Uint8Array(32).fill(n));
  if (trusted) ring.add(id, key.publicKey);
  const t = new InProcessTransport(bus, { name: id });
  void t.connect();
  const node = new CoordNode({ transport: t, clock, key, keys: ring, site: "s", log: () => undefined });
  return { port: new CoordBusPort(node), node };
}

describe("CoordBusPort on agent topics (the kernel's BusPort over a Transport)", () => {
  it("delivers agent bodies with an authenticated sender, once per delivery across overlapping filters", () => {
    const clock = new VirtualClock();
    const bus = new InProcessBus(clock, { latency: 1, duplicate: 0.5 }, 3);
    const ring = new KeyRing();
    const a = port(bus, clock, ring, "dev-a", 1);
    const b = port(bus, clock, ring, "dev-b", 2);
    const got: string[] = [];
    const fmt = (tag: string) => (m: BusMessage) => got.push(`${tag} ${m.topic} ${m.from} ${JSON.stringify(cborDecode(m.body))}`);
    b.port.subscribe("colony/s/event/#", fmt("#"));
    b.port.subscribe("colony/s/event/+", fmt("+"));
    for (let i = 0; i < 20; i++) a.port.publish({ topic: "colony/s/event/x", from: "dev-a/monitor", body: cborEncode({ i }), qos: 1 });
    clock.runUntil(1000);
    expect(got.filter((g) => g.startsWith("#")).length).toBe(20);
    expect(got.filter((g) => g.startsWith("+")).length).toBe(20);
    expect(got[0]).toBe('# colony/s/event/x dev-a/monitor {"i":0}');
    expect(b.node.refused.replay).toBeGreaterThan(0); // the network's duplicates, stopped
  });

  it("refuses untrusted senders and raw (unsealed) payloads", () => {
    const clock = new VirtualClock();
    const bus = new InProcessBus(clock);
    const ring = new KeyRing();
    const a = port(bus, clock, ring, "dev-a", 1, false);
    const b = port(bus, clock, ring, "dev-b", 2);
    const raw = new InProcessTransport(bus, { name: "raw" });
    void raw.connect();
    const got: BusMessage[] = [];
    b.port.subscribe("colony/s/#", (m) => got.push(m));
    a.port.publish({ topic: "colony/s/x", from: "dev-a/agent", body: cborEncode(1), qos: 0 });
    void raw.publish("colony/s/y", cborEncode({ kind: "cnet.cfp" }));
    clock.runUntil(100);
    expect(got).toEqual([]);
    expect(b.node.refused["unknown-sender"]).toBe(1);
    expect((b.node.refused["bad-field"] ?? 0) + (b.node.refused["unsupported-version"] ?? 0)).toBe(1);
  });
});
