// The coordination port's translation between agents' CBOR maps and the protocols' envelopes.
import { describe, expect, it } from "vitest";
import { CoordBusPort, Election } from "../../host/coordination/index.ts";
import type { BusMessage } from "../../host/kernel/index.ts";
import { cborDecode, cborEncode } from "../../host/net/cbor.ts";
import { asFleet } from "./as-fleet.ts";

const msg = (topic: string, body: unknown): BusMessage => ({ topic: `colony/plant/${topic}`, from: "d/agent", body: cborEncode(body), qos: 1 });

describe("CoordBusPort", () => {
  it("seals an agent's coord/ map as the protocol's kind, with $device replaced, retained as the protocol says", async () => {
    const f = asFleet();
    const a = await f.node("dev-a");
    const port = new CoordBusPort(a.node);
    port.publish(msg("coord/leader/coordinator", { kind: "leader.claim", role: "coordinator", term: 4, leader: "$device", lease: 1000 }));
    f.clock.runUntil(100);
    // a host that comes later gets the retained claim and takes it as a real one
    const b = await f.node("dev-b");
    const e = new Election(b.node, { role: "coordinator", lease: 1000, candidate: false });
    e.start();
    f.clock.runUntil(200);
    expect([e.leader, e.term]).toEqual(["dev-a", 4]);
  });

  it("delivers protocol envelopes to agents as maps with kind, from and me, and agent messages as bus.msg bodies", async () => {
    const f = asFleet();
    const a = await f.node("dev-a");
    const b = await f.node("dev-b");
    const pa = new CoordBusPort(a.node);
    const pb = new CoordBusPort(b.node);
    const got: BusMessage[] = [];
    pb.subscribe("colony/plant/coord/lease/arm0", (m) => got.push(m));
    pb.subscribe("colony/plant/app/x", (m) => got.push(m));
    pa.publish(msg("coord/lease/arm0", { kind: "lease.state", resource: "arm0", holder: null, until: 0, fence: 0, asked: 0 }));
    pa.publish({ topic: "colony/plant/app/x", from: "dev-a/agent", body: new Uint8Array([0xa0]), qos: 1 });
    f.clock.runUntil(100);
    expect(got.map((m) => [m.topic, m.from])).toEqual([["colony/plant/coord/lease/arm0", "dev-a"], ["colony/plant/app/x", "dev-a/agent"]]);
    expect(cborDecode(got[0]!.body)).toEqual({ resource: "arm0", holder: null, until: 0, fence: 0, asked: 0, kind: "lease.state", from: "dev-a", me: "dev-b" });
    expect(got[1]!.body).toEqual(new Uint8Array([0xa0]));
  });

  it("refuses, and counts, what an agent may not say on coord/", async () => {
    const f = asFleet();
    const a = await f.node("dev-a");
    const port = new CoordBusPort(a.node);
    port.publish(msg("coord/cnet/cfp", { kind: "cnet.cfp", task: "t" }));
    port.publish(msg("coord/presence/dev-b", { kind: "presence.gone", epoch: 1, why: "leave" }));
    port.publish(msg("coord/leader/x", [1, 2]));
    port.publish({ topic: "colony/plant/coord/leader/x", from: "d/a", body: new Uint8Array([0xff]), qos: 1 });
    expect(Object.fromEntries(port.refused)).toEqual({ "bad-kind": 1, "bad-topic": 1, "not-a-map": 1, "malformed-body": 1 });
  });
});
