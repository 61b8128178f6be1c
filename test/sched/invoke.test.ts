// model_invoke through host/sched in the simulator's model binding: each call placed on the local
// CPU, the local accelerator or a peer's accelerator, the same output bytes wherever it ran, and a
// refusal with every candidate's reason when no unit meets the deadline.
import path from "node:path";
import { describe, expect, it } from "vitest";
import { AbiError, loadBoard, type RunningAgent, type TraceEvent } from "../../host/kernel/index.ts";
import { DeviceScheduler, SiteScheduler } from "../../host/sched/index.ts";
import { DeviceModels, ModelHub } from "../../host/sim/models.ts";
import { ModelService } from "../../host/tinyml/index.ts";
import { model, ROOT, sampleInput } from "./models.ts";

const hub = new ModelHub(new Map([["kws", path.join(ROOT, "models/kws.tflite")]]));
const agent = { agent: "listener" } as RunningAgent;

/** A site of simulated devices on one clock, each with the binding the simulator gives it. */
async function site(devices: [id: string, board: string][], deadlineMs = 1000) {
  const s = new SiteScheduler();
  let nowMs = 0;
  const trace: (Omit<TraceEvent, "t"> & { atMs: number })[] = [];
  const bindings = new Map<string, DeviceModels>();
  const schedulers = new Map<string, DeviceScheduler>();
  for (const [id, name] of devices) {
    const board = loadBoard(name);
    const scheduler = new DeviceScheduler({ id, board, site: s, deadlineMs: () => deadlineMs });
    schedulers.set(id, scheduler);
    bindings.set(id, new DeviceModels(await hub.serviceFor(board), (e) => trace.push({ ...e, device: id, atMs: nowMs }), { scheduler, nowMs: () => nowMs, peer: (p) => bindings.get(p) }));
  }
  const call = (id: string) => {
    const out = new Uint8Array(12);
    const n = bindings.get(id)!.invoke(agent, "kws", sampleInput("kws"), out);
    return { n, out, placed: trace.filter((e) => e.type === "sched").at(-1)?.data };
  };
  return { bindings, schedulers, trace, call, at: (ms: number) => (nowMs = ms) };
}

describe("model_invoke placed by the scheduler", () => {
  it("runs on the local accelerator, the local CPU once it fails, and a peer's NPU when the deadline needs it, with the same output bytes", async () => {
    const cpuOnly = await ModelService.create({ cpu: { mhz: 100 } });
    cpuOnly.register("kws", model("kws"));
    const want = new Uint8Array(12);
    cpuOnly.invoke("kws", sampleInput("kws"), want);

    const a = await site([["qc-1", "esp32-s3"], ["camera-1", "max78000"]]);
    const onVec = a.call("qc-1");
    expect(onVec.n).toBe(12);
    expect(onVec.placed).toMatchObject({ device: "qc-1", unit: "vec0", local: true });
    a.schedulers.get("qc-1")!.failUnit("vec0");
    a.at(2000);
    const onCpu = a.call("qc-1");
    expect(onCpu.placed).toMatchObject({ device: "qc-1", unit: "cpu0", local: true });
    expect(a.trace.at(-1)).toMatchObject({ type: "model", data: { unit: "cpu" } });

    // the C3's CPU needs 348 ms: with a 200 ms deadline only the camera's CNN, over its UART, makes it
    const b = await site([["amr-1", "esp32-c3"], ["camera-1", "max78000"]], 200);
    const camera = b.bindings.get("camera-1")!;
    const amr = b.bindings.get("amr-1")!;
    const onPeer = b.call("amr-1");
    expect(onPeer.placed).toMatchObject({ device: "camera-1", unit: "cnn0", local: false });
    expect(b.trace.at(-1)).toMatchObject({ type: "model", device: "amr-1", data: { unit: "npu", ranOn: "peer" } });
    // the peer's battery pays the compute, the caller's the radio
    expect(camera.energyUj).toBeGreaterThan(0);
    expect(amr.energyUj).toBe(onPeer.placed!.radioUj);
    expect(onPeer.placed!.radioUj).toBeGreaterThan(0);
    expect([amr.offloaded, camera.servedForPeers, amr.inferences]).toEqual([1, 1, 1]);

    for (const r of [onVec, onCpu, onPeer]) expect(Buffer.from(r.out).equals(Buffer.from(want))).toBe(true);
  });

  it("admits on the unit's EDF queue over the site's clock, and refuses with AbiError.REFUSED and every candidate's reason", async () => {
    const s = await site([["amr-1", "esp32-c3"], ["amr-2", "esp32-c3"]], 500);
    expect(s.call("amr-1").placed).toMatchObject({ device: "amr-1", unit: "cpu0" });
    // a second call while the first runs would end at 696 ms; the peer lends no CPU and has no accelerator
    s.at(1);
    const refused = s.call("amr-1");
    expect(refused.n).toBe(AbiError.REFUSED);
    const why = s.trace.at(-1)!;
    expect(why.type).toBe("refused");
    expect(why.text).toMatch(/^model kws: the scheduler found no unit for it: amr-1\/cpu0: would miss its deadline or make a queued job miss$/);
    expect(s.bindings.get("amr-1")!.inferences).toBe(1);
    // once the first has run, the CPU takes calls again
    s.at(400);
    expect(s.call("amr-1").n).toBe(12);
    expect(s.schedulers.get("amr-1")!.queues.get("cpu0")!.length).toBe(1);
  });

  it("names a bad deadline and an unknown unit", async () => {
    const s = new SiteScheduler();
    const d = new DeviceScheduler({ id: "x", board: loadBoard("esp32-c3"), site: s, deadlineMs: () => 0 });
    expect(() => d.decide("kws", model("kws"), 0)).toThrow(/the deadline of model "kws" must be a positive number of ms, got 0/);
    expect(() => d.failUnit("npu9")).toThrow(/device x has no unit "npu9" \(cpu0\)/);
    expect(() => new DeviceScheduler({ id: "x", board: loadBoard("esp32-c3"), site: s })).toThrow(/device "x" is already in the site/);
  });
});
