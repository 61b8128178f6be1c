// The per-event arena ("heap": "arena"): what init allocated stays valid, what
// an event allocates is given back when it returns, so an agent allocating
// kilobytes per event lives in one page; the manifest field is checked.
import { decode, Encoder } from "cbor-x";
import { describe, expect, it } from "vitest";
import { parseManifest, type BusMessage } from "../../host/kernel/index.ts";
import { parseModule } from "../../host/wasm/index.ts";
import { agentFiles, world } from "./helpers.ts";

const cbor = new Encoder({ useRecords: false, variableMapSize: true });

describe("per-event arena", () => {
  it("runs 1,000 events of ~3 KB each in one page, init's objects intact", () => {
    const w = world();
    const d = w.device("d1");
    const { wasm, manifest } = agentFiles("arena-echo");
    expect(manifest.resources.heap).toBe("arena");
    const a = d.install(wasm, manifest);
    const timer: Record<string, unknown>[] = [];
    const out: Record<string, unknown>[] = [];
    w.bus.subscribe("colony/test/test/#", (m: BusMessage) => {
      if (m.topic.endsWith("/timer")) timer.push(decode(m.body) as Record<string, unknown>);
      if (m.topic.endsWith("/out")) out.push(decode(m.body) as Record<string, unknown>);
    });
    w.clock.runUntil(500);
    // a message between timer events: its payload lands in the inbox, which must outlive events
    w.bus.publish({ topic: "colony/test/test/in", from: "t", body: cbor.encode({ t: "h\u00e9llo ".repeat(200) }), qos: 0 });
    w.clock.runUntil(1000);
    expect(a.status).toBe("running");
    expect(a.metrics.faults).toBe(0);
    expect(a.metrics.memoryBytes).toBe(65536);
    expect(timer.length).toBeGreaterThanOrEqual(999);
    const last = timer[timer.length - 1]!;
    expect(last).toMatchObject({ n: timer.length, name: "arena-\u00e9\u00e9\u00e9", sum: (63 * 64) / 2 });
    expect((last.filler as string).length).toBe(1000 + (timer.length % 7));
    expect(out).toEqual([{ topic: "test/in", t: "h\u00e9llo ".repeat(200) + "!", n: expect.any(Number) }]);
  });

  it("heartbeat (on the arena) publishes every beat for 5,000 s in one page", () => {
    const w = world();
    const d = w.device("d1");
    const { wasm, manifest } = agentFiles("heartbeat");
    expect(manifest.resources.heap).toBe("arena");
    const hb = d.install(wasm, manifest);
    const beats: number[] = [];
    w.bus.subscribe("colony/test/presence/heartbeat", (m: BusMessage) => beats.push((decode(m.body) as { n: number }).n));
    w.clock.runUntil(5_000_500);
    expect(hb.metrics.faults).toBe(0);
    expect(hb.metrics.memoryBytes).toBe(65536);
    expect(beats).toHaveLength(5000);
    expect(beats[4999]).toBe(5000);
    // the stub runtime carries no collector: no __collect-sized functions, far fewer of them than a gc agent
    const gc = parseModule(agentFiles("echo").wasm).functionTypes.length;
    expect(parseModule(wasm).functionTypes.length).toBeLessThan(gc / 2);
  });

  it("refuses an unknown heap in the manifest, naming the field", () => {
    const m = { name: "x", version: "1.0.0", abi: 1, capabilities: [], resources: { memoryPages: 1, fuelPerEvent: 10, heap: "pool" } };
    expect(() => parseManifest(JSON.stringify(m), "x.json")).toThrowError(/resources.heap must be one of "gc", "arena" \(got "pool"\)/);
    expect(parseManifest(JSON.stringify({ ...m, resources: { memoryPages: 1, fuelPerEvent: 10 } }), "x.json").resources.heap).toBeUndefined();
  });
});
