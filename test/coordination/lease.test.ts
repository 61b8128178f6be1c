import { describe, expect, it } from "vitest";
import { LeaseClient, LeaseServer } from "../../host/coordination/index.ts";
import { parsePolicy } from "../../host/governance/index.ts";
import { simFleet } from "./fleet.ts";

describe("leases on shared resources", () => {
  it("one holder at a time, handed over on release, expired when the holder dies, fenced", () => {
    const { clock, bus, devices } = simFleet(4, { latency: 2, jitter: 4, loss: 0.2, duplicate: 0.1, reorder: 0.2, reorderDelay: 10 }, 5);
    const server = new LeaseServer(devices[0]!.node, "arm1", { maxTtl: 5000 });
    server.start();
    const clients = devices.slice(1).map((d) => new LeaseClient(d.node, "arm1", 600));
    clock.runUntil(50);
    for (const c of clients) c.acquire();
    // the invariant, checked at every millisecond: never two clients believe they hold it,
    // and a client that believes it holds it is authorized by the owner
    const holders: string[] = [];
    const check = (until: number) => {
      while (clock.now() < until) {
        clock.runUntil(clock.now() + 1);
        const h = clients.map((c, i) => (c.held() ? i : -1)).filter((i) => i >= 0);
        expect(h.length).toBeLessThanOrEqual(1);
        if (h.length === 1) {
          const c = clients[h[0]!]!;
          expect(server.authorize(devices[h[0]! + 1]!.id, c.fence!)).toBe(true);
          if (holders.at(-1) !== devices[h[0]! + 1]!.id) holders.push(devices[h[0]! + 1]!.id);
        }
      }
    };
    check(2000);
    expect(holders.length).toBe(1);
    const first = clients.findIndex((c) => c.held());
    const fence1 = clients[first]!.fence!;
    clients[first]!.release();
    check(3000);
    expect(holders.length).toBe(2);
    const second = clients.findIndex((c) => c.held());
    expect(second).not.toBe(first);
    expect(clients[second]!.fence).toBeGreaterThan(fence1);
    expect(server.authorize(devices[first + 1]!.id, fence1)).toBe(false); // stale holder is fenced off
    bus.crash(devices[second + 1]!.id); // dies holding it: the lease runs out, a third takes it
    check(5000);
    expect(holders.length).toBe(3);
    expect(new Set(holders).size).toBe(3);
  });

  it("refuses an expired holder's renewals to outlive the ttl", () => {
    const { clock, devices, bus } = simFleet(2, { latency: 1 });
    const server = new LeaseServer(devices[0]!.node, "valve");
    server.start();
    const c = new LeaseClient(devices[1]!.node, "valve", 300);
    c.acquire();
    clock.runUntil(100);
    expect(c.held()).toBe(true);
    bus.partition(["d0"], ["d1"]);
    clock.runUntil(1000);
    expect(c.held()).toBe(false); // its own margin ran out
    expect(server.current.holder).toBe(null); // the owner expired it
  });
});

describe("leases under the site policy's actuator rule", () => {
  const policy = (rule: string) =>
    parsePolicy(`actuators:\n  valve0: { rule: ${rule}, priorities: { d1: 1, d2: 10, d3: 1 }, holdMs: 1000 }\n`, "site.yaml").actuators.get("valve0")!;
  const setup = (rule: string) => {
    const { clock, devices } = simFleet(4, { latency: 2 });
    const server = new LeaseServer(devices[0]!.node, "valve0", { rule: policy(rule) });
    server.start();
    const [ops, safety, other] = [1, 2, 3].map((i) => new LeaseClient(devices[i]!.node, "valve0", 600)) as [LeaseClient, LeaseClient, LeaseClient];
    return { clock, server, ops, safety, other };
  };

  it("a device of higher priority takes the lease from its holder at once; the old holder is fenced off and told", () => {
    const { clock, server, ops, safety } = setup("priority");
    const seen: boolean[] = [];
    ops.onChange((e) => seen.push(e.held));
    ops.acquire();
    clock.runUntil(100);
    expect(ops.held()).toBe(true);
    const old = ops.fence!;
    safety.acquire();
    clock.runUntil(120);
    expect(safety.held()).toBe(true);
    expect(ops.held()).toBe(false);
    expect(seen).toEqual([true, false]);
    expect(server.authorize("d1", old)).toBe(false);
    expect(server.authorize("d2", safety.fence!)).toBe(true);
    expect(server.preemptions).toEqual([{ at: expect.any(Number), from: "d1", to: "d2", fence: old + 1 }]);
    // the lower one cannot take it back while it is held, however often it asks; it gets it once released
    clock.runUntil(1500);
    expect(safety.held()).toBe(true);
    expect(ops.held()).toBe(false);
    safety.release();
    clock.runUntil(1600);
    expect(ops.held()).toBe(true);
    expect(server.preemptions).toHaveLength(1);
  });

  it("equal priorities keep the holder; under first come nobody takes it from the holder", () => {
    const eq = setup("priority");
    eq.ops.acquire();
    eq.clock.runUntil(100);
    eq.other.acquire();
    eq.clock.runUntil(1000);
    expect(eq.ops.held()).toBe(true);
    expect(eq.other.held()).toBe(false);
    expect(eq.server.preemptions).toEqual([]);
    const first = setup("first");
    first.ops.acquire();
    first.clock.runUntil(100);
    first.safety.acquire();
    first.clock.runUntil(1000);
    expect(first.ops.held()).toBe(true);
    expect(first.safety.held()).toBe(false);
    expect(first.server.preemptions).toEqual([]);
  });
});
