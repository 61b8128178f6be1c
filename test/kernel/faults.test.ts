// A trap, an exhausted budget, a memory bomb or a malformed message in one
// agent never stops the host or the other agents.
import { describe, expect, it } from "vitest";
import { Device, type RunningAgent } from "../../host/kernel/index.ts";
import { agentFiles, world } from "./helpers.ts";

function install(d: Device, name: string): RunningAgent {
  const { wasm, manifest } = agentFiles(name);
  return d.install(wasm, manifest);
}

describe("supervision", () => {
  it("an infinite loop exhausts its fuel; only that agent faults", () => {
    const w = world();
    const d = w.device("d1");
    const looper = install(d, "looper");
    const hb = install(d, "heartbeat");
    w.clock.runUntil(500);
    expect(looper.metrics.fuelExhausted).toBeGreaterThanOrEqual(1);
    expect(looper.lastFault?.kind).toBe("fuel");
    expect(looper.lastFault?.message).toMatch(/fuel budget of 50000 exhausted/);
    w.clock.runUntil(5000);
    expect(hb.status).toBe("running");
    expect(hb.metrics.published).toBe(5);
  });

  it("a trapping init is restarted with backoff, then quarantined", () => {
    const w = world();
    const d = w.device("d1");
    const t = install(d, "trapper");
    expect(t.status).toBe("restarting");
    w.clock.runUntil(10_000);
    expect(t.status).toBe("quarantined");
    expect(t.metrics.faults).toBe(3);
    expect(t.metrics.restarts).toBe(2);
    const restarts = w.log.events.filter((e) => e.type === "restart").map((e) => e.t);
    expect(restarts).toEqual([100, 300]);
    expect(w.log.events.some((e) => e.type === "quarantine" && /quarantined after 3 faults/.test(e.text))).toBe(true);
  });

  it("a memory bomb hits its page cap and faults alone", () => {
    const w = world();
    const d = w.device("d1");
    const bomb = install(d, "bomb");
    const hb = install(d, "heartbeat");
    w.clock.runUntil(3000);
    expect(bomb.metrics.faults).toBeGreaterThanOrEqual(1);
    expect(bomb.lastFault?.kind).toBe("trap");
    expect(hb.status).toBe("running");
    expect(hb.metrics.published).toBe(3);
  });

  it("a malformed message is dropped with a trace line, the agent keeps running", () => {
    const w = world();
    const d = w.device("d1", "esp32-devkitc", { sensors: ["accel0"], actuators: ["arm0"] });
    const echo = install(d, "echo");
    w.bus.publish({ topic: "colony/test/test/in", from: "evil", body: new Uint8Array([0xbf, 0x61]), qos: 0 });
    w.clock.runUntil(100);
    expect(echo.metrics.dropped).toBe(1);
    expect(w.log.events.some((e) => e.type === "dropped" && /malformed message from evil/.test(e.text))).toBe(true);
    expect(echo.status).toBe("running");
  });

  it("one malformed publish heard by three agents is dropped by each; a good one reaches each, in one clock event", () => {
    const w = world();
    const echoes = ["d1", "d2", "d3"].map((id) => install(w.device(id, "esp32-devkitc", { sensors: ["accel0"], actuators: ["arm0"] }), "echo"));
    const bad = new Uint8Array([0xbf, 0x61]);
    w.bus.publish({ topic: "colony/test/test/in", from: "evil", body: bad, qos: 0 });
    w.clock.runUntil(100);
    expect(echoes.map((e) => e.metrics.dropped)).toEqual([1, 1, 1]);
    expect(w.log.events.filter((e) => e.type === "dropped" && e.text === "malformed message from evil on test/in dropped: Unexpected end of CBOR data").map((e) => e.device)).toEqual(["d1", "d2", "d3"]);
    // the same body under another topic is checked again (and is as malformed)
    w.bus.publish({ topic: "colony/test/test/in/x", from: "evil", body: bad, qos: 0 });
    w.clock.runUntil(200);
    expect(echoes.map((e) => e.metrics.dropped)).toEqual([2, 2, 2]);
    const before = w.clock.eventsRun;
    w.bus.publish({ topic: "colony/test/test/in", from: "good", body: new Uint8Array([0xa1, 0x61, 0x6b, 0x01]), qos: 0 });
    w.clock.runUntil(300);
    expect(echoes.map((e) => e.metrics.received)).toEqual([1, 1, 1]);
    expect(echoes.every((e) => e.status === "running")).toBe(true);
    // one clock event delivered the publish to all three
    expect(w.clock.eventsRun - before).toBe(1);
  });

  it("a pointer out of bounds from a host call traps only the caller", () => {
    const w = world();
    const d = w.device("d1");
    const hb = install(d, "heartbeat");
    const ctx = hb as unknown as { memory: { string(p: number, l: number, w: string): string } };
    expect(() => ctx.memory.string(1 << 30, 10, "probe")).toThrowError(/out-of-bounds memory access/);
    w.clock.runUntil(1000);
    expect(hb.status).toBe("running");
  });
});
