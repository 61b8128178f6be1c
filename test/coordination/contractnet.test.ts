import { describe, expect, it } from "vitest";
import { Contractor, Manager, type TaskRecord } from "../../host/coordination/index.ts";
import { simFleet } from "./fleet.ts";

/** A fleet: d0 manages, the others bid by distance and take `work` ms per job. */
function setup(n: number, model: object, seed: number, work = 300, watchPresence = true) {
  const f = simFleet(n, { latency: 3, jitter: 10, keepAlive: 60_000, ...model }, seed, (i) => (i === 0 ? [] : i % 3 === 0 ? ["lift"] : ["weld", "lift"]));
  for (const d of f.devices) d.presence.start();
  const manager = new Manager(f.devices[0]!.node, { ...(watchPresence ? { presence: f.devices[0]!.presence } : {}), bidWindow: 200, acceptTimeout: 1000, progressTimeout: 1500 });
  manager.start();
  const settled: TaskRecord[] = [];
  manager.onSettled((t) => settled.push(t));
  /** per task: how many jobs ran to their end (done, not cancelled), and by whom */
  const completions = new Map<string, string[]>();
  const performed = new Map<string, number>();
  /** devices whose process was killed: their timers must not act any more */
  const dead = new Set<string>();
  const contractors = f.devices.slice(1).map((d, k) => {
    const c = new Contractor(d.node, {
      capabilities: d.presence.state.capabilities,
      bid: (cfp) => ({ cost: ((k * 7 + cfp.task.length * 3) % 5) + 1, eta: work }),
      perform: (job, ctl) => {
        performed.set(job.task, (performed.get(job.task) ?? 0) + 1);
        f.clock.after(work / 2, () => ctl.progress(0.5));
        f.clock.after(work, () => {
          if (ctl.cancelled || dead.has(d.id)) return;
          completions.set(job.task, [...(completions.get(job.task) ?? []), d.id]);
          ctl.done({ by: d.id });
        });
      },
      maxConcurrent: 1,
      progressEvery: 200,
    });
    c.start();
    return c;
  });
  const kill = (id: string) => {
    dead.add(id);
    f.bus.crash(id);
  };
  return { ...f, manager, settled, completions, performed, contractors, kill };
}

describe("contract-net", () => {
  it("completes every awarded task exactly once over a lossy network (30% loss, duplicates, reordering)", () => {
    const s = setup(8, { loss: 0.3, duplicate: 0.2, reorder: 0.3, reorderDelay: 40 }, 11);
    s.clock.runUntil(500);
    const N = 25;
    for (let i = 0; i < N; i++) {
      s.clock.at(500 + i * 40, () => s.manager.announce({ id: `task-${i}`, capability: i % 2 ? "weld" : "lift", deadline: 500 + i * 40 + 60_000 }));
    }
    s.clock.runUntil(70_000, () => s.settled.length === N);
    s.clock.runUntil(s.clock.now() + 3000); // let late duplicates arrive: none may count
    expect(s.settled.length).toBe(N);
    expect(s.settled.every((t) => t.state === "done")).toBe(true);
    expect(new Set(s.settled.map((t) => t.id)).size).toBe(N); // each settled once
    for (let i = 0; i < N; i++) {
      const id = `task-${i}`;
      expect(s.completions.get(id)?.length, `${id} completed ${s.completions.get(id)?.length} times`).toBe(1);
      expect((s.manager.tasks.get(id)!.result as { by: string }).by).toBe(s.completions.get(id)![0]);
    }
    expect(s.bus.stats.lost).toBeGreaterThan(100);
    expect(s.bus.stats.duplicated).toBeGreaterThan(50);
    // duplicates were stopped by the envelope layer, not by luck
    expect(s.devices.some((d) => (d.node.refused.replay ?? 0) > 0)).toBe(true);
  });

  it("awards the cheapest capable bidder", () => {
    const s = setup(6, {}, 1);
    s.clock.runUntil(300);
    const t = s.manager.announce({ id: "t", capability: "weld", deadline: 10_000 });
    s.clock.runUntil(1000);
    const bids = [...t.bids.values()].sort((a, b) => a.cost - b.cost || (a.bidder < b.bidder ? -1 : 1));
    expect(bids.every((b) => b.capability === "weld")).toBe(true);
    expect(bids.map((b) => b.bidder)).not.toContain("d3"); // d3 only lifts
    expect(t.contractor).toBe(bids[0]!.bidder);
  });

  it("re-auctions when the winner disappears mid-task, and the task still completes once", () => {
    const s = setup(5, {}, 2, 2000);
    s.clock.runUntil(300);
    const t = s.manager.announce({ id: "long", capability: "lift", deadline: 30_000 });
    s.clock.runUntil(1000);
    expect(t.state).toBe("running");
    const first = t.contractor!;
    s.kill(first);
    s.clock.runUntil(10_000);
    expect(t.state).toBe("done");
    expect(t.round).toBeGreaterThan(1);
    expect(t.contractor).not.toBe(first);
    expect(s.completions.get("long")).toEqual([t.contractor]);
  });

  it("re-auctions a silent winner (no will) after the progress timeout", () => {
    const s = setup(5, {}, 4, 3000);
    s.clock.runUntil(300);
    const t = s.manager.announce({ id: "quiet", capability: "lift", deadline: 30_000 });
    s.clock.runUntil(1000);
    const first = t.contractor!;
    s.bus.partition([first], s.devices.map((d) => d.id).filter((id) => id !== first));
    s.clock.runUntil(12_000);
    expect(t.state).toBe("done");
    expect(t.contractor).not.toBe(first);
    s.bus.heal();
    s.clock.runUntil(20_000);
    // a cut-off winner cannot be stopped while cut off; its late "done" is ignored: the task
    // completes once, with the new winner's result
    expect(s.completions.get("quiet")).toContain(t.contractor);
    expect((t.result as { by: string }).by).toBe(t.contractor);
    expect(s.settled.filter((x) => x.id === "quiet").length).toBe(1);
  });

  it("fails a task at its deadline when nobody can do it, and cancels a winner that overruns", () => {
    const s = setup(4, {}, 5, 5000);
    s.clock.runUntil(300);
    const none = s.manager.announce({ id: "paint", capability: "paint", deadline: 2000 });
    const slow = s.manager.announce({ id: "slow", capability: "lift", deadline: 3000 });
    s.clock.runUntil(10_000);
    expect([none.state, none.reason]).toEqual(["failed", "deadline expired"]);
    expect([slow.state, slow.reason]).toEqual(["failed", "deadline expired"]);
    expect(s.completions.get("slow")).toBeUndefined(); // cancelled before its work ended
    expect(s.settled.map((t) => t.id).sort()).toEqual(["paint", "slow"]);
  });
});

describe("contract-net recovery", () => {
  it("re-announces when every bidder of a round refused or never accepted", () => {
    const s = setup(3, {}, 8, 300, false); // only the accept timeouts act here
    s.clock.runUntil(300);
    // d1 and d2 both bid; cut both off right after the bids so no accept can arrive
    const t = s.manager.announce({ id: "lonely", capability: "lift", deadline: 20_000 });
    s.clock.runUntil(300 + 150);
    s.bus.partition(["d0"], ["d1", "d2"]);
    s.clock.runUntil(4000); // both award attempts time out: no bidder left
    expect(t.state).toBe("bidding");
    expect(t.contractor).toBeUndefined();
    s.bus.heal();
    s.clock.runUntil(15_000);
    expect(t.state).toBe("done");
    expect(t.round).toBeGreaterThan(1);
  });
});
