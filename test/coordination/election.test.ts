import { describe, expect, it } from "vitest";
import { Election } from "../../host/coordination/index.ts";
import { simFleet } from "./fleet.ts";

const LEASE = 1000;

function elect(n: number, model = {}, seed = 1) {
  const f = simFleet(n, { latency: 2, jitter: 5, keepAlive: 60_000, ...model }, seed);
  const elections = f.devices.map((d) => {
    d.presence.start();
    const e = new Election(d.node, { role: "coordinator", lease: LEASE, presence: d.presence });
    e.start();
    return e;
  });
  const leaders = () => elections.filter((e, i) => f.bus.isLinkUp(f.devices[i]!.id) && e.isLeader()).map((_e, i) => i);
  return { ...f, elections, leaders };
}

describe("leader election with terms and leases", () => {
  it("elects exactly one leader that all agree on", () => {
    const { clock, elections, leaders } = elect(5);
    clock.runUntil(5000);
    expect(leaders().length).toBe(1);
    const l = elections[leaders()[0]!]!;
    expect(new Set(elections.map((e) => `${e.leader}/${e.term}`))).toEqual(new Set([`${l.leader}/${l.term}`]));
  });

  it("replaces a killed leader within the lease time", () => {
    const { clock, bus, devices, elections } = elect(5);
    clock.runUntil(5000);
    const old = elections.find((e) => e.isLeader())!;
    const oldId = old.leader!;
    const oldTerm = old.term;
    const killedAt = clock.now();
    bus.crash(oldId);
    let newLeaderAt = -1;
    while (clock.now() < killedAt + 3 * LEASE) {
      clock.runUntil(clock.now() + 1);
      const live = elections.filter((_e, i) => devices[i]!.id !== oldId);
      const lead = live.filter((e) => e.isLeader());
      if (lead.length === 1 && live.every((e) => e.leader === lead[0]!.leader)) {
        newLeaderAt = clock.now();
        break;
      }
    }
    expect(newLeaderAt).toBeGreaterThan(0);
    expect(newLeaderAt - killedAt).toBeLessThan(LEASE);
    const now = elections.find((e, i) => devices[i]!.id !== oldId && e.isLeader())!;
    expect(now.term).toBeGreaterThan(oldTerm);
  });

  it("replaces a silent (partitioned, no will) leader within lease + backoff, and converges after the heal", () => {
    const { clock, bus, devices, elections } = elect(5, { keepAlive: 600_000 });
    clock.runUntil(5000);
    const oldId = elections.find((e) => e.isLeader())!.leader!;
    const others = devices.map((d) => d.id).filter((id) => id !== oldId);
    bus.partition([oldId], others);
    const cut = clock.now();
    let at = -1;
    while (clock.now() < cut + 5 * LEASE) {
      clock.runUntil(clock.now() + 1);
      const lead = elections.filter((e, i) => devices[i]!.id !== oldId && e.isLeader());
      if (lead.length === 1) {
        at = clock.now();
        break;
      }
    }
    expect(at - cut).toBeLessThanOrEqual(LEASE + LEASE / 4 + 50);
    bus.heal();
    clock.runUntil(clock.now() + 3 * LEASE);
    const leaders = elections.filter((e) => e.isLeader());
    expect(leaders.length).toBe(1);
    expect(new Set(elections.map((e) => e.leader)).size).toBe(1);
    expect(leaders[0]!.leader).not.toBe(oldId);
  });

  it("holds under 30% loss, duplicates and reordering", () => {
    const { clock, bus, elections, devices } = elect(5, { loss: 0.3, duplicate: 0.2, reorder: 0.2, reorderDelay: 20 }, 3);
    clock.runUntil(6000);
    expect(elections.filter((e) => e.isLeader()).length).toBe(1);
    const id = elections.find((e) => e.isLeader())!.leader!;
    bus.crash(id);
    clock.runUntil(clock.now() + 2 * LEASE);
    const live = elections.filter((_e, i) => devices[i]!.id !== id);
    expect(live.filter((e) => e.isLeader()).length).toBe(1);
  });
});
