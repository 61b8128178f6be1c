// EDF admission on a unit queue, regulation verdicts and state-change policy, and placement choices.
import { describe, expect, it } from "vitest";
import { DEFAULT_POLICY, isRefusal, onStateChange, place, regulate, UnitQueue, type Candidate, type DeviceCondition, type InferenceCost, type Job } from "../../host/sched/index.ts";

const job = (id: string, deadlineUs: number, execUs: number, critical = true): Job => ({ id, origin: "d", model: "m", releaseUs: 0, deadlineUs, execUs, energyUj: 1, critical });

describe("EDF unit queue", () => {
  it("orders by deadline and refuses a job that would make a queued one miss", () => {
    const q = new UnitQueue("edf");
    q.push(job("a", 100, 40));
    q.push(job("b", 50, 30));
    expect(q.admission(job("c", 200, 20), 0)).toEqual({ finishUs: 90 });
    // c with an early deadline goes first and pushes a past 100
    expect(q.admission(job("c", 40, 35), 0)).toBeUndefined();
    expect(q.start(0)!.id).toBe("b");
    expect(q.backlogUs(10)).toBe(20 + 40);
  });

  it("counts an offload whose input is still on the way, and starts it only once it lands", () => {
    const q = new UnitQueue("edf");
    q.push({ ...job("far", 100, 40), readyUs: 50 }); // lands at 50, must finish by 100
    // a local job of 60 µs admitted now runs 0..60 and "far" 60..100, just in time
    expect(q.admission(job("near", 1000, 60), 0)).toEqual({ finishUs: 60 });
    // 70 µs would make the one on the way finish at 110, after its deadline
    expect(q.admission(job("near", 1000, 70), 0)).toBeUndefined();
    // an offload landing first runs in the gap; one landing after it waits behind it (the unit idles until 50)
    expect(q.admission({ ...job("next", 1000, 10), readyUs: 20 }, 0)).toEqual({ finishUs: 30 });
    expect(q.admission({ ...job("next", 1000, 10), readyUs: 60 }, 0)).toEqual({ finishUs: 100 });
    expect(q.nextReadyUs()).toBe(50);
    expect(q.start(10)).toBeUndefined();
    expect(q.start(50)!.id).toBe("far");
    expect(q.busyUntilUs).toBe(90);
  });

  it("runs forward on a live clock: starts a job no earlier than its release, finishes what is done", () => {
    const q = new UnitQueue("edf");
    q.push({ ...job("a", 1000, 100), releaseUs: 300 });
    q.push({ ...job("b", 2000, 50), releaseUs: 300 });
    expect(q.advanceTo(350)).toEqual([]);
    expect([q.running?.id, q.busyUntilUs]).toEqual(["a", 400]);
    expect(q.advanceTo(460).map((j) => j.id)).toEqual(["a", "b"]);
    expect([q.running, q.length]).toEqual([undefined, 0]);
  });

  it("FIFO keeps arrival order and admits what misses", () => {
    const q = new UnitQueue("fifo");
    q.push(job("a", 1000, 40));
    q.push(job("b", 50, 30));
    expect(q.admission(job("c", 10, 100), 0)).toEqual({ finishUs: 170 });
    expect(q.start(0)!.id).toBe("a");
  });
});

const ok: DeviceCondition = { battery: 0.9, temperatureC: 40, busy: false, degradedSensors: [], failedUnits: [] };
const res = { fuelLeft: 1e6, memoryFreeBytes: 1e6, queueLength: 0 };

describe("triadic regulation", () => {
  it.each([
    [{ ...ok, battery: 0.1 }, false, /battery 10% is low/],
    [{ ...ok, battery: 0.01 }, true, /below 5%/],
    [{ ...ok, temperatureC: 95 }, true, /temperature 95/],
    [{ ...ok, failedUnits: ["cnn0"] }, true, /unit cnn0 has failed/],
    [{ ...ok, degradedSensors: ["cam0"] }, true, /sensor cam0 is degraded/],
    [{ ...ok, busy: true }, false, /busy/],
  ] as const)("refuses by device state: %o", (state, critical, why) => {
    const v = regulate(state, res, { unit: "cnn0", fuel: 10, memoryBytes: 10, sensor: "cam0", critical });
    expect(v.admit).toBe(false);
    expect(!v.admit && v.reason).toMatch(why);
  });

  it("refuses by resources and admits when all allow", () => {
    const needs = { unit: "cpu0", fuel: 100, memoryBytes: 4096, critical: true };
    expect(regulate(ok, { ...res, fuelLeft: 50 }, needs)).toEqual({ admit: false, reason: "needs 100 fuel, 50 left" });
    expect(regulate(ok, { ...res, memoryFreeBytes: 1000 }, needs).admit).toBe(false);
    expect(regulate(ok, { ...res, queueLength: DEFAULT_POLICY.maxQueue }, needs).admit).toBe(false);
    expect(regulate({ ...ok, battery: 0.1 }, res, needs)).toEqual({ admit: true });
  });

  it("sheds best-effort and migrates critical jobs on low battery or a failed unit", () => {
    const waiting = [job("a", 10, 1, true), job("b", 10, 1, false)];
    expect(onStateChange({ kind: "battery", level: 0.1 }, "cpu0", waiting).map((d) => [d.job.id, d.action])).toEqual([["a", "migrate"], ["b", "shed"]]);
    expect(onStateChange({ kind: "battery", level: 0.5 }, "cpu0", waiting)).toEqual([]);
    expect(onStateChange({ kind: "unit-failed", unit: "vec0" }, "cpu0", waiting)).toEqual([]);
    expect(onStateChange({ kind: "unit-failed", unit: "vec0" }, "vec0", waiting).map((d) => d.action)).toEqual(["migrate", "shed"]);
  });
});

const cost = (unit: string, timeUs: number, energyUj: number): InferenceCost => ({ model: "kws", unit, macs: 1, opsOnUnit: 1, macsOnUnit: 1, opsOnCpu: 0, cycles: 1, timeUs, energyUj, inputBytes: 490, outputBytes: 12 });

describe("placement", () => {
  const link = { bps: 6e6, rttUs: 4000, quality: 1, txMw: 1000, rxMw: 300 };
  const req = { id: "r", origin: "amr-1", model: "kws", releaseUs: 0, deadlineUs: 500_000, critical: true };

  it("takes the peer's NPU when it meets the deadline for less energy, the local CPU when the link makes the peer late", () => {
    const local: Candidate = { device: "amr-1", unit: "cpu0", cost: cost("cpu0", 348_000, 26_000), queue: new UnitQueue("edf"), verdict: { admit: true } };
    const peer: Candidate = { device: "camera-1", unit: "cnn0", link, cost: cost("cnn0", 800, 3), queue: new UnitQueue("edf"), verdict: { admit: true } };
    const p = place(req, [local, peer], 0);
    expect(!isRefusal(p) && p.candidate.device).toBe("camera-1");
    const slow = { ...peer, link: { ...link, bps: 1000 } };
    const q = place(req, [local, slow], 0);
    expect(!isRefusal(q) && q.candidate.device).toBe("amr-1");
  });

  it("refuses with every candidate's reason when none can meet the deadline", () => {
    const busy = new UnitQueue("edf");
    busy.push(job("x", 400_000, 390_000));
    const local: Candidate = { device: "amr-1", unit: "cpu0", cost: cost("cpu0", 348_000, 26_000), queue: busy, verdict: { admit: true } };
    const peer: Candidate = { device: "camera-1", unit: "cnn0", link, cost: cost("cnn0", 800, 3), queue: new UnitQueue("edf"), verdict: { admit: false, reason: "battery 3% is below 5%" } };
    const p = place(req, [local, peer], 0);
    expect(isRefusal(p) && p.reasons).toEqual(["amr-1/cpu0: would miss its deadline or make a queued job miss", "camera-1/cnn0: battery 3% is below 5%"]);
  });
});
