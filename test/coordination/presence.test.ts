import { describe, expect, it } from "vitest";
import { CoordNode, Presence, type PresenceEvent } from "../../host/coordination/index.ts";
import { InProcessTransport } from "../../host/net/inproc/index.ts";
import { deviceKeyFromSeed } from "../../host/net/keys.ts";
import { SITE, simFleet, state } from "./fleet.ts";

describe("presence and shared state", () => {
  it("shares state vectors, detects a crash by will and a silent device by timeout", () => {
    const { clock, bus, devices } = simFleet(4, { latency: 2, jitter: 3, keepAlive: 60_000 });
    const events: string[] = [];
    for (const d of devices) d.presence.start();
    devices[0]!.presence.onChange((e: PresenceEvent) => events.push(`${clock.now()} ${e.type} ${e.peer.id} ${e.why ?? ""}`.trim()));
    devices[2]!.presence.update({ battery: 0.42, load: 0.5, capabilities: ["pump"], position: [1, 2, 3] });
    clock.runUntil(1000);
    const seen = devices[0]!.presence.alive().map((p) => p.id).sort();
    expect(seen).toEqual(["d1", "d2", "d3"]);
    expect(devices[0]!.presence.peer("d2")!.state).toEqual({ battery: 0.42, load: 0.5, capabilities: ["pump"], position: [1, 2, 3] });

    bus.crash("d1"); // will: down at once
    clock.runUntil(1100);
    expect(events.filter((e) => e.includes("down"))).toEqual([expect.stringMatching(/down d1 will$/)]);

    bus.setLink("d3", false); // silent, keep-alive far away: only the timeout sees it
    const t0 = clock.now();
    clock.runUntil(t0 + 1000);
    const down3 = events.find((e) => e.includes("down d3"));
    expect(down3).toMatch(/timeout$/);
    expect(Number(down3!.split(" ")[0]) - t0).toBeLessThanOrEqual(200 * 3 + 100 + 5);

    bus.setLink("d3", true); // back: up again with the next beat
    clock.runUntil(clock.now() + 500);
    expect(events.slice(events.indexOf(down3!)).some((e) => / up d3/.test(e))).toBe(true);
  });

  it("a newcomer learns everyone's last state from retained beats; a clean leave is seen at once", () => {
    const { clock, devices, ring } = simFleet(3);
    for (const d of devices.slice(0, 2)) d.presence.start();
    clock.runUntil(500);
    devices[2]!.presence.start();
    clock.runUntil(510);
    expect(devices[2]!.presence.alive().map((p) => p.id).sort()).toEqual(["d0", "d1"]);
    devices[1]!.presence.stop();
    const events: PresenceEvent[] = [];
    devices[2]!.presence.onChange((e) => events.push(e));
    clock.runUntil(520);
    expect(events.map((e) => `${e.type} ${e.peer.id} ${e.why}`)).toEqual(["down d1 leave"]);
    expect(ring.has("d1")).toBe(true);
  });

  it("never lets a forged or replayed beat reach the protocol", () => {
    const { clock, bus, devices } = simFleet(2);
    for (const d of devices) d.presence.start();
    clock.runUntil(300);
    // an intruder reuses d1's id with its own key
    const evil = new InProcessTransport(bus, { name: "evil" });
    void evil.connect();
    const fake = new CoordNode({ transport: evil, clock, key: deviceKeyFromSeed("d1", new Uint8Array(32).fill(9)), keys: devices[0]!.node["opts"].keys, site: SITE, log: () => undefined });
    const p = new Presence(fake, state(["fake"], 0.01), { epoch: 99 });
    p.start();
    // and replays a genuine beat it captured
    const captured: Uint8Array[] = [];
    void evil.subscribe(`colony/${SITE}/coord/presence/d1`, (_t, payload) => captured.push(payload));
    clock.runUntil(600);
    for (const c of captured) void evil.publish(`colony/${SITE}/coord/presence/d1`, c);
    clock.runUntil(700);
    expect(devices[0]!.presence.peer("d1")!.state.capabilities).toEqual([]);
    expect(devices[0]!.presence.peer("d1")!.epoch).toBe(1);
    expect(devices[0]!.node.refused["bad-signature"]).toBeGreaterThan(0);
    expect(devices[0]!.node.refused.replay).toBeGreaterThan(0);
  });
});
