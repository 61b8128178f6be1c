// A peer's CPU lent within the peer's own slack, and the sweep borrowing one when a unit fails.
import { describe, expect, it } from "vitest";
import { lendCpu, LINE_MODELS, ownSlackUs, productionLineDevices, productionLineEvents, runSweep, type Policy } from "../../host/sched/index.ts";
import { model } from "./models.ts";

describe("lending a peer's CPU", () => {
  it("lends only while queued work plus the borrowed run stays within the lender's own slack", () => {
    const slack = ownSlackUs(60_000, 23_000); // the handler's ad: 60 ms deadline, 23 ms on its CPU
    expect(slack).toBe(37_000);
    expect(lendCpu(0, 25_000, slack)).toEqual({ admit: true });
    expect(lendCpu(12_000, 25_000, slack)).toEqual({ admit: true });
    const v = lendCpu(13_000, 25_000, slack);
    expect(v.admit).toBe(false);
    expect(!v.admit && v.reason).toBe("lends its CPU only within its own slack (13.0 ms queued + 25.0 ms run > 37.0 ms)");
    expect(ownSlackUs(50_000, 80_000)).toBe(0);
    expect(() => ownSlackUs(0, 1)).toThrow(/deadline 0 µs and run 1 µs must be positive/);
  });

  const models = Object.fromEntries(LINE_MODELS.map((n) => [n, model(n)]));
  const run = (policy: Policy) => runSweep({ devices: productionLineDevices(), models, durationMs: 30_000, load: 2, policy, seed: 3, events: productionLineEvents(30_000) });

  it("after qc-1's vector unit fails, colony runs ad on a peer's CPU and the baselines never do", () => {
    const onPeerCpu = (p: Policy) => run(p).trace.filter((e) => e.kind === "offload" && / -> [a-z0-9-]+\/cpu0$/.test(e.detail));
    const c = onPeerCpu("colony");
    expect(c.length).toBeGreaterThan(0);
    // vww (654 ms on an ESP32 CPU) never fits in any lender's slack
    expect(c.some((e) => e.detail.startsWith("vww"))).toBe(false);
    expect(onPeerCpu("fifo")).toEqual([]);
    expect(onPeerCpu("local")).toEqual([]);
  });
});
