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
    // each listens for keywords itself, so it lends its CPU only within that call's slack
    const scheduler = new DeviceScheduler({ id, board, site: s, deadlineMs: () => deadlineMs, own: [{ name: "kws", model: model("kws") }] });
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
    // a second call while the first runs would end at 696 ms; the peer has no accelerator, and 348 ms of its CPU exceed its own 152 ms of slack
    s.at(1);
    const refused = s.call("amr-1");
    expect(refused.n).toBe(AbiError.REFUSED);
    const why = s.trace.at(-1)!;
    expect(why.type).toBe("refused");
    expect(why.text).toMatch(/^model kws: the scheduler found no unit for it: amr-1\/cpu0: would miss its deadline or make a queued job miss; amr-2\/cpu0: lends its CPU only within its own slack \(0\.0 ms queued \+ 348\.\d ms run > 151\.\d ms\)$/);
    expect(s.bindings.get("amr-1")!.inferences).toBe(1);
    // once the first has run, the CPU takes calls again
    s.at(400);
    expect(s.call("amr-1").n).toBe(12);
    expect(s.schedulers.get("amr-1")!.queues.get("cpu0")!.length).toBe(1);
  });

  it("borrows a peer's CPU within the peer's own slack, with the same output bytes", async () => {
    const adHub = new ModelHub(new Map([["ad", path.join(ROOT, "models/ad.tflite")]]));
    const run = async (lenderOwn: boolean) => {
      const s = new SiteScheduler();
      const trace: Omit<TraceEvent, "t" | "device">[] = [];
      const bindings = new Map<string, DeviceModels>();
      // ad: 35 ms on the C3's CPU, 23 ms on the ESP32's plus about 6 ms of Wi-Fi: only the ESP32 makes 32 ms
      for (const [id, board, own] of [["amr-1", "esp32-c3", false], ["handler-1", "esp32-devkitc", lenderOwn]] as const) {
        const b = loadBoard(board);
        const scheduler = new DeviceScheduler({ id, board: b, site: s, deadlineMs: () => 32, own: own ? [{ name: "ad", model: model("ad") }] : [] });
        bindings.set(id, new DeviceModels(await adHub.serviceFor(b), (e) => trace.push(e), { scheduler, nowMs: () => 0, peer: (p) => bindings.get(p) }));
      }
      const out = new Uint8Array(model("ad").summary.output.bytes);
      const n = bindings.get("amr-1")!.invoke(agent, "ad", sampleInput("ad"), out);
      return { n, out, last: trace.filter((e) => e.type === "sched" || e.type === "refused").at(-1)! };
    };
    const lent = await run(false);
    expect(lent.last.data).toMatchObject({ device: "handler-1", unit: "cpu0", local: false });
    const cpuOnly = await ModelService.create({ cpu: { mhz: 100 } });
    cpuOnly.register("ad", model("ad"));
    const want = new Uint8Array(lent.out.length);
    cpuOnly.invoke("ad", sampleInput("ad"), want);
    expect(Buffer.from(lent.out).equals(Buffer.from(want))).toBe(true);
    // its own ad must finish in 32 ms too: 8.9 ms of slack, less than the 23.1 ms it would lend
    const kept = await run(true);
    expect(kept.n).toBe(AbiError.REFUSED);
    expect(kept.last.text).toMatch(/handler-1\/cpu0: lends its CPU only within its own slack \(0\.0 ms queued \+ 23\.1 ms run > 8\.9 ms\)$/);
  });

  it("names a bad deadline and an unknown unit", async () => {
    const s = new SiteScheduler();
    const d = new DeviceScheduler({ id: "x", board: loadBoard("esp32-c3"), site: s, deadlineMs: () => 0 });
    expect(() => d.decide("kws", model("kws"), 0)).toThrow(/the deadline of model "kws" must be a positive number of ms, got 0/);
    expect(() => d.failUnit("npu9")).toThrow(/device x has no unit "npu9" \(cpu0\)/);
    expect(() => new DeviceScheduler({ id: "x", board: loadBoard("esp32-c3"), site: s })).toThrow(/device "x" is already in the site/);
  });
});
