// ABI round trips through a real agent: every host function, CBOR bodies both
// ways between the AssemblyScript codec and cbor-x, snapshot and restore.
import { decode, Encoder } from "cbor-x";
import { describe, expect, it } from "vitest";
import type { BusMessage } from "../../host/kernel/index.ts";
import type { RecordingActuator } from "../../host/hal/index.ts";
import { agentFiles, world } from "./helpers.ts";

const cbor = new Encoder({ useRecords: false, variableMapSize: true });

function setup(seed = 1) {
  const w = world(seed);
  const d = w.device("d1", "esp32-devkitc", { sensors: ["accel0"], actuators: ["arm0"] });
  const { wasm, manifest } = agentFiles("echo");
  const echo = d.install(wasm, manifest);
  const out: { topic: string; body: Record<string, unknown> }[] = [];
  w.bus.subscribe("colony/test/test/#", (m: BusMessage) => out.push({ topic: m.topic, body: decode(m.body) as Record<string, unknown> }));
  return { ...w, d, echo, out, arm: d.actuators.get("arm0") as RecordingActuator };
}

describe("ABI round trips (echo agent)", () => {
  it("reads byte strings with or without cbor-x's typed-array tag", () => {
    const s = setup();
    const plain = new Encoder({ useRecords: false, variableMapSize: true, tagUint8Array: false });
    s.bus.publish({ topic: "colony/test/test/in", from: "t", body: plain.encode({ bytes: new Uint8Array([9, 8]) }), qos: 0 });
    s.clock.runUntil(20);
    const reply = s.out.find((m) => m.topic.endsWith("/out"))!.body;
    expect(new Uint8Array(reply.bytes as Uint8Array)).toEqual(new Uint8Array([9, 8]));
  });

  it("decodes a cbor-x body and answers with a body cbor-x decodes", () => {
    const s = setup();
    const body = { int: -123456789, float: 2.5, flag: true, text: "héllo wörld", bytes: new Uint8Array([1, 2, 255]), inner: { x: 42 } };
    s.bus.publish({ topic: "colony/test/test/in", from: "tester", body: cbor.encode(body), qos: 1 });
    s.clock.runUntil(20);
    const reply = s.out.find((m) => m.topic === "colony/test/test/out")!.body;
    expect(reply).toMatchObject({ topic: "test/in", int: -123456789, float: 2.5, flag: true, text: "héllo wörld", inner: { x: 42 }, count: 1, valid: true, restored: -1 });
    expect(new Uint8Array(reply.bytes as Uint8Array)).toEqual(new Uint8Array([1, 2, 255]));
    expect(s.arm.commands).toHaveLength(1);
    expect(s.arm.commands[0]!.command).toEqual({ move: "to", count: 1 });
  });

  it("handles the CBOR forms cbor-x writes: big and small ints, f64, f32, half floats", () => {
    const s = setup();
    for (const int of [0, 23, 24, 255, 256, 65535, 65536, 2 ** 32 + 5, -1, -24, -25, -(2 ** 40)]) {
      s.bus.publish({ topic: "colony/test/test/in", from: "t", body: cbor.encode({ int, float: 0.1 }), qos: 0 });
    }
    // half-precision 1.5 (f9 3e 00) written by hand: cbor-x never emits halves
    s.bus.publish({ topic: "colony/test/test/in", from: "t", body: new Uint8Array([0xa1, 0x65, ...new TextEncoder().encode("float"), 0xf9, 0x3e, 0x00]), qos: 0 });
    s.clock.runUntil(20);
    const replies = s.out.filter((m) => m.topic.endsWith("/out")).map((m) => m.body);
    // cbor-x reads 64-bit heads as BigInt
    expect(replies.slice(0, 12).map((r) => Number(r.int))).toEqual([0, 23, 24, 255, 256, 65535, 65536, 2 ** 32 + 5, -1, -24, -25, -(2 ** 40)]);
    expect(replies[0]!.float).toBeCloseTo(0.1, 12);
    expect(replies[12]!.float).toBe(1.5);
  });

  it("matches wildcard subscriptions and keeps the topic relative", () => {
    const s = setup();
    s.bus.publish({ topic: "colony/test/test/in/sub", from: "t", body: cbor.encode({ int: 1 }), qos: 0 });
    s.bus.publish({ topic: "colony/other-site/test/in", from: "t", body: cbor.encode({ int: 2 }), qos: 0 });
    s.clock.runUntil(20);
    const replies = s.out.filter((m) => m.topic.endsWith("/out")).map((m) => m.body);
    expect(replies.map((r) => r.topic)).toEqual(["test/in/sub"]);
  });

  it("timers, clock, random, sensors and logs reach the agent", () => {
    const s = setup(5);
    s.clock.runUntil(450);
    const timer = s.out.find((m) => m.topic.endsWith("/timer"))!.body;
    expect(timer.id).toBe(7);
    expect(timer.now).toBe(50);
    expect(typeof timer.random).toBe("number");
    expect(Math.abs(timer.mean as number)).toBeLessThan(2);
    const sensors = s.out.filter((m) => m.topic.endsWith("/sensor")).map((m) => m.body);
    expect(sensors).toEqual([{ name: "accel0", n: 8 }, { name: "accel0", n: 8 }]);
    expect(s.log.events.some((e) => e.type === "log" && e.text === "echo up")).toBe(true);
    // a different seed gives a different random value, the same seed the same
    const again = setup(5);
    again.clock.runUntil(450);
    expect(again.out.find((m) => m.topic.endsWith("/timer"))!.body.random).toBe(timer.random);
  });

  it("state survives a restart; snapshot hands state to a new instance", () => {
    const s = setup();
    for (let i = 0; i < 3; i++) s.bus.publish({ topic: "colony/test/test/in", from: "t", body: cbor.encode({ text: `m${i}` }), qos: 0 });
    s.clock.runUntil(20);
    const snap = s.echo.snapshot()!;
    expect(decode(snap)).toEqual({ count: 3 });
    // restart: the key-value store is the device's, so the count carries over
    s.echo.stop();
    s.echo.start(snap);
    s.bus.publish({ topic: "colony/test/test/in", from: "t", body: cbor.encode({ text: "after" }), qos: 0 });
    s.clock.runUntil(40);
    const last = s.out.filter((m) => m.topic.endsWith("/out")).at(-1)!.body;
    expect(last).toMatchObject({ count: 4, text: "after", restored: 3 });
  });

  it("refuses topics and hardware outside the manifest, counting them", () => {
    const s = setup();
    expect(s.echo.publish("not/listed", cbor.encode({}), 0)).toBe(-3);
    expect(s.echo.subscribe("secret/#")).toBe(-3);
    expect(s.echo.openSensor("gyro0")).toBe(-3);
    expect(s.echo.openActuator("valve9")).toBe(-3);
    expect(s.echo.invokeModel("kws", new Uint8Array(1), new Uint8Array(1))).toBe(-3);
    expect(s.echo.metrics.refused).toBe(5);
  });

  it("enforces state quotas", () => {
    const s = setup();
    expect(s.echo.stateSet("big", new Uint8Array(4097))).toBe(-4);
    for (let i = 0; i < 4; i++) expect(s.echo.stateSet(`k${i}`, new Uint8Array(4096))).toBe(0);
    expect(s.echo.stateSet("k4", new Uint8Array(1))).toBe(-4);
    expect(s.echo.stateDelete("k0")).toBe(0);
    expect(s.echo.stateGet("k0")).toBeUndefined();
  });
});
