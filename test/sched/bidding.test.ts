// Contract-net bids with the scheduler's estimate: a task that needs an inference on the bidder
// goes to the bidder whose unit can take it soonest; a long queue bids later and higher, or not at all.
import { describe, expect, it } from "vitest";
import { Contractor, Manager, type Cfp } from "../../host/coordination/index.ts";
import { loadBoard } from "../../host/kernel/index.ts";
import { DeviceScheduler, schedBid, SiteScheduler } from "../../host/sched/index.ts";
import { simFleet } from "../coordination/fleet.ts";
import { model } from "./models.ts";

/** d0 manages; d1 (base cost 1) and d2 (base cost 2) are ESP32-C3s that listen for keywords (kws: 348 ms on their CPU). */
function setup() {
  const f = simFleet(3, { latency: 3 }, 5, (i) => (i === 0 ? [] : ["inspect"]));
  for (const d of f.devices) d.presence.start();
  const manager = new Manager(f.devices[0]!.node, { bidWindow: 100 });
  manager.start();
  const schedulers = f.devices.slice(1).map((d, k) => {
    // each on its own: the inference of a task it wins runs on its own CPU
    const scheduler = new DeviceScheduler({ id: d.id, board: loadBoard("esp32-c3"), site: new SiteScheduler() });
    new Contractor(d.node, {
      capabilities: ["inspect"],
      bid: schedBid({ base: () => ({ cost: k + 1, eta: 200 }), scheduler, model: (n) => (n === "kws" ? model("kws") : undefined), nowMs: () => f.clock.now(), costPerMs: 0.01 }),
      perform: (_job, ctl) => f.clock.after(10, () => ctl.done()),
    }).start();
    return scheduler;
  });
  f.clock.runUntil(300);
  return { ...f, manager, schedulers };
}

describe("contract-net bids with the scheduler's estimate", () => {
  it("adds the inference's wait and run to the bid: idle, the cheaper base bid wins", () => {
    const s = setup();
    const t = s.manager.announce({ id: "t1", capability: "inspect", spec: { model: "kws" }, deadline: s.clock.now() + 5000 });
    s.clock.runUntil(s.clock.now() + 50);
    const d1 = t.bids.get("d1")!;
    expect(d1.eta).toBeGreaterThan(200 + 348);
    expect(d1.eta).toBeLessThan(200 + 349);
    expect(d1.cost).toBeCloseTo(1 + (d1.eta - 200) * 0.01, 9);
    s.clock.runUntil(s.clock.now() + 500);
    expect(t.contractor).toBe("d1");
  });

  it("a bidder whose CPU is busy bids later and higher and loses; with a tight deadline it does not bid", () => {
    const s = setup();
    // d1 is running a keyword inference of its own: 348 ms of its CPU
    expect("placed" in s.schedulers[0]!.decide("kws", model("kws"), s.clock.now() * 1000)).toBe(true);
    const t = s.manager.announce({ id: "t2", capability: "inspect", spec: { model: "kws" }, deadline: s.clock.now() + 5000 });
    s.clock.runUntil(s.clock.now() + 50);
    const [d1, d2] = [t.bids.get("d1")!, t.bids.get("d2")!];
    expect(d1.eta - d2.eta).toBeGreaterThan(340);
    expect(d1.cost).toBeGreaterThan(d2.cost);
    s.clock.runUntil(s.clock.now() + 500);
    expect(t.contractor).toBe("d2");

    expect("placed" in s.schedulers[0]!.decide("kws", model("kws"), s.clock.now() * 1000)).toBe(true);
    // 700 ms: 200 ms of work after the inference leaves 500 ms, less than the busy d1 needs
    const tight = s.manager.announce({ id: "t3", capability: "inspect", spec: { model: "kws" }, deadline: s.clock.now() + 700 });
    s.clock.runUntil(s.clock.now() + 50);
    expect([...tight.bids.keys()]).toEqual(["d2"]);
  });

  it("leaves a task without inference to the base bid, and stays out of one whose model it lacks", () => {
    const site = new SiteScheduler();
    const scheduler = new DeviceScheduler({ id: "x", board: loadBoard("esp32-c3"), site });
    const bid = schedBid({ base: () => ({ cost: 3, eta: 10 }), scheduler, model: () => undefined, nowMs: () => 0 });
    const cfp = (spec: unknown): Cfp => ({ task: "t", round: 1, manager: "m", capability: "c", spec, bidUntil: 100, deadline: 10_000 });
    expect(bid(cfp({ item: 4 }))).toEqual({ cost: 3, eta: 10 });
    expect(bid(cfp({ model: "vww" }))).toBeUndefined();
    expect(() => schedBid({ base: () => undefined, scheduler, model: () => undefined, nowMs: () => 0, costPerMs: -1 })).toThrow(/costPerMs must be 0 or more, got -1/);
  });
});
