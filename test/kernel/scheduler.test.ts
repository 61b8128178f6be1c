import { describe, expect, it } from "vitest";
import { Priority, VirtualClock } from "../../host/kernel/index.ts";

describe("virtual clock", () => {
  it("runs events by time, then priority, then insertion order", () => {
    const c = new VirtualClock();
    const seen: string[] = [];
    c.at(10, () => seen.push("timer@10"), Priority.TIMER);
    c.at(10, () => seen.push("net@10"), Priority.NET);
    c.at(5, () => seen.push("timer@5a"), Priority.TIMER);
    c.at(5, () => seen.push("timer@5b"), Priority.TIMER);
    const h = c.at(7, () => seen.push("cancelled"));
    c.cancel(h);
    c.after(1, () => c.after(3, () => seen.push(`nested@${c.now()}`)));
    c.runUntil(100);
    expect(seen).toEqual(["nested@4", "timer@5a", "timer@5b", "net@10", "timer@10"]);
    expect(c.now()).toBe(100);
    expect(c.eventsRun).toBe(6);
  });

  it("never goes back in time", () => {
    const c = new VirtualClock();
    c.runUntil(50);
    let at = -1;
    c.at(10, () => (at = c.now()));
    c.runUntil(60);
    expect(at).toBe(50);
    expect(() => c.at(Number.NaN, () => 0)).toThrowError(/finite/);
  });
});
