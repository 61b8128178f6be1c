import { describe, expect, it } from "vitest";
import { ChunkServer, MemoryBus, decodeChunk, decodeStatus, renderRollout, rolloutLine, RolloutController, bundleId, encodeJob, otaTopics, readBundle, sha256, planWaves, type OtaTransport } from "../../host/ota/index.ts";
import { encode } from "../../host/ota/cbor.ts";
import { STRANGER, counterBundle } from "./fixtures.ts";
import { startFleet, stopFleet, type SimDevice } from "./fleet.ts";

const fast = { waveTimeoutMs: 10_000, settleMs: 50 };
const cameras = (i: number): string[] => (i % 4 === 3 ? ["pumps"] : ["cameras"]);

function versions(fleet: readonly SimDevice[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const d of fleet) out[d.slots.version!] = (out[d.slots.version!] ?? 0) + 1;
  return out;
}

describe("rollout", () => {
  it("plans a canary and equal waves", () => {
    const ids = Array.from({ length: 20 }, (_, i) => `d${String(i).padStart(2, "0")}`);
    const w = planWaves(ids, { canaryPercent: 10, waves: 3 });
    expect(w.map((x) => x.length)).toEqual([2, 6, 6, 6]);
    expect(w.flat().sort()).toEqual(ids);
  });

  it("rolls a healthy version out to a group, wave by wave, state handed over", async () => {
    const bus = new MemoryBus();
    const fleet = await startFleet({ count: 20, groups: cameras, transport: () => bus.client() });
    const ctl = await RolloutController.create(bus.client(), "plant-1", counterBundle("2.0.0", { size: 2048 }), { target: "group:cameras", canaryPercent: 10, haltOnPercent: 5 }, fast);
    const seen: number[] = [];
    ctl.onProgress = (p) => seen.push(p.record.wavesDone);
    const r = await ctl.run();
    expect(r.state).toBe("done");
    expect(r.waves.flat()).toHaveLength(15);
    for (const [i, d] of fleet.entries()) {
      expect(d.slots.version).toBe(cameras(i)[0] === "cameras" ? "2.0.0" : "1.0.0");
      expect(d.state()).toBe(i); // the state each device had, handed to the new version
    }
    expect(Math.max(...seen)).toBe(r.waves.length);
    const view = renderRollout(ctl.progress());
    expect(view).toContain("[done]");
    expect(view).toMatch(/committed 15 {2}rolled back 0/);
    expect(rolloutLine(ctl.progress())).toMatch(/ done wave 4\/4 committed=15 rolled-back=0 refused=0 timed-out=0 active=0 waiting=0$/);
    await stopFleet(fleet);
  });

  it("a version failing its health check is rolled back on every device", async () => {
    const bus = new MemoryBus();
    const fleet = await startFleet({ count: 12, groups: () => ["cameras"], transport: () => bus.client() });
    const ctl = await RolloutController.create(bus.client(), "plant-1", counterBundle("2.0.0", { healthy: false }), { target: "group:cameras", canaryPercent: 0, haltOnPercent: 100, waves: 2 }, fast);
    const r = await ctl.run();
    expect(r.state).toBe("done");
    expect(versions(fleet)).toEqual({ "1.0.0": 12 });
    for (const [i, d] of fleet.entries()) expect(d.state()).toBe(i);
    expect([...ctl.progress().statuses.values()].every((s) => s.phase === "rolled-back" && s.reason === "health-check")).toBe(true);
    expect(ctl.failureRate().rate).toBe(1);
    await stopFleet(fleet);
  });

  it("a failing canary halts before the next wave; resume goes on; rollback restores", async () => {
    const bus = new MemoryBus();
    // dev-0000 and dev-0001 are the canary (10% of 20) and fail health.
    const fleet = await startFleet({ count: 20, groups: () => ["cameras"], transport: () => bus.client(), sick: (i) => i < 2 });
    const ctl = await RolloutController.create(bus.client(), "plant-1", counterBundle("2.0.0"), { target: "group:cameras", canaryPercent: 10, haltOnPercent: 5 }, fast);
    const r = await ctl.run();
    expect(r.state).toBe("halted");
    expect(r.wavesDone).toBe(1);
    expect(r.reason).toMatch(/2 of 2 devices failed/);
    expect(versions(fleet)).toEqual({ "1.0.0": 20 });
    // No device past the canary got a job.
    expect([...ctl.progress().statuses.keys()].sort()).toEqual(["dev-0000", "dev-0001"]);
    // The operator accepts the canary's failure and resumes.
    const resumed = await (await RolloutController.open(bus.client(), "plant-1", r.id, fast)).resume();
    expect(resumed.state).toBe("done");
    expect(versions(fleet)).toEqual({ "1.0.0": 2, "2.0.0": 18 });
    // ...then rolls the whole rollout back.
    const back = await (await RolloutController.open(bus.client(), "plant-1", r.id, fast)).rollback();
    expect(back.state).toBe("rolled-back");
    expect(versions(fleet)).toEqual({ "1.0.0": 20 });
    for (const [i, d] of fleet.entries()) expect(d.state()).toBe(i);
    await stopFleet(fleet);
  });

  it("a restarted controller picks up from the retained state", async () => {
    const bus = new MemoryBus();
    const fleet = await startFleet({ count: 10, groups: () => ["cameras"], transport: () => bus.client() });
    const first = await RolloutController.create(bus.client(), "plant-1", counterBundle("2.0.0"), { target: "all", canaryPercent: 10, haltOnPercent: 50, waves: 3, id: "r-restart" }, fast);
    first.onProgress = (p) => p.record.wavesDone >= 1 && first.stop();
    const partial = await first.run();
    expect(partial.state).toBe("running");
    expect(partial.wavesDone).toBe(1);
    const ids = (await RolloutController.rollouts(bus.client(), "plant-1", 50)).map((x) => x.id);
    expect(ids).toEqual(["r-restart"]);
    const second = await RolloutController.open(bus.client(), "plant-1", "r-restart", fast);
    expect(second.state.wavesDone).toBe(1);
    const r = await second.run();
    expect(r.state).toBe("done");
    expect(versions(fleet)).toEqual({ "2.0.0": 10 });
    await stopFleet(fleet);
  });

  it("a device losing power mid-install reboots into one version with its state and reports a final status", async () => {
    for (const cut of [100, 1500, 3000, 3300]) {
      const bus = new MemoryBus();
      const fleet = await startFleet({ count: 3, groups: () => ["cameras"], transport: () => bus.client() });
      fleet[1]!.flash.cutAfter(cut); // bytes into the install
      const ctl = await RolloutController.create(bus.client(), "plant-1", counterBundle("2.0.0", { size: 2048 }), { target: "all", canaryPercent: 0, haltOnPercent: 100, waves: 1 }, fast);
      const running = ctl.run();
      for (let t = 0; t < 500 && !fleet[1]!.ota.dead; t++) await new Promise((r) => setTimeout(r, 10));
      expect(fleet[1]!.ota.dead, `cut ${cut}`).toBe(true);
      fleet[1] = await fleet[1]!.reboot();
      const r = await running;
      expect(r.state).toBe("done");
      const s = ctl.progress().statuses.get("dev-0001")!;
      expect(["committed", "rolled-back"]).toContain(s.phase);
      expect(fleet[1]!.slots.version).toBe(s.phase === "committed" ? "2.0.0" : "1.0.0");
      expect(fleet[1]!.state()).toBe(1);
      expect(versions([fleet[0]!, fleet[2]!])).toEqual({ "2.0.0": 2 });
      await stopFleet(fleet);
    }
  });

  it("a device whose link is down longer than its retries resumes the transfer where it broke off", async () => {
    const bus = new MemoryBus();
    let chunksIn = 0;
    let downUntil = 0;
    const before = new Set<number>();
    const after: number[] = [];
    // dev-0000's link dies after its third chunk, for 400 ms.
    const flaky = (id: string): OtaTransport => {
      const inner = bus.client();
      if (id !== "dev-0000") return inner;
      const up = (): boolean => Date.now() >= downUntil;
      return {
        publish: async (t, p, o) => (up() ? inner.publish(t, p, o) : undefined),
        subscribe: (f, h) =>
          inner.subscribe(f, (t, p) => {
            if (!up()) return;
            if (t.includes("/chunk/")) {
              const i = decodeChunk(p).index;
              (downUntil === 0 ? before : { add: (x: number) => after.push(x) }).add(i);
              if (++chunksIn === 3) downUntil = Date.now() + 400;
            }
            h(t, p);
          }),
      };
    };
    const fleet = await startFleet({ count: 2, groups: () => ["cameras"], transport: flaky, retryMs: 20, maxRetries: 3, resumeAfterMs: 100 });
    const bundle = counterBundle("2.0.0", { size: 6000 });
    const chunks = Math.ceil(bundle.length / 512);
    const r = await (await RolloutController.create(bus.client(), "plant-1", bundle, { target: "all", canaryPercent: 0, haltOnPercent: 0, waves: 1 }, fast)).run();
    expect(r.state).toBe("done");
    expect(versions(fleet)).toEqual({ "2.0.0": 2 });
    // The 400 ms outage outlasts the downloader's 3 x 20 ms of patience, so the transfer broke
    // off; when it resumed, no chunk received before the outage was fetched again.
    expect(before.size).toBe(3);
    expect(after.filter((i) => before.has(i))).toEqual([]);
    expect(new Set([...before, ...after]).size).toBe(chunks);
    await stopFleet(fleet);
  });

  it("a download cut by a power failure resumes after the reboot from the chunks already in flash", async () => {
    const bus = new MemoryBus();
    let rebooted = false;
    const fetchedAfter = new Set<number>();
    const counting = (id: string): OtaTransport => {
      const inner = bus.client();
      if (id !== "dev-0000") return inner;
      return {
        publish: inner.publish,
        subscribe: (f, h) =>
          inner.subscribe(f, (t, p) => {
            if (rebooted && t.includes("/chunk/")) fetchedAfter.add(decodeChunk(p).index);
            h(t, p);
          }),
      };
    };
    const fleet = await startFleet({ count: 2, groups: () => ["cameras"], transport: counting });
    const bundle = counterBundle("2.0.0", { size: 6000 });
    const chunks = Math.ceil(bundle.length / 512);
    fleet[0]!.flash.cutAfter(3000); // a few chunks into the download
    const ctl = await RolloutController.create(bus.client(), "plant-1", bundle, { target: "all", canaryPercent: 0, haltOnPercent: 0, waves: 1 }, fast);
    const running = ctl.run();
    for (let t = 0; t < 500 && !fleet[0]!.ota.dead; t++) await new Promise((r) => setTimeout(r, 10));
    expect(fleet[0]!.ota.dead).toBe(true);
    expect(fleet[0]!.slots.version).toBe("1.0.0"); // the boot record was never touched
    rebooted = true;
    fleet[0] = await fleet[0]!.reboot();
    const r = await running;
    expect(r.state).toBe("done");
    expect(versions(fleet)).toEqual({ "2.0.0": 2 });
    expect(fleet[0]!.state()).toBe(0);
    expect(fetchedAfter.size).toBeGreaterThan(0);
    expect(fetchedAfter.size).toBeLessThanOrEqual(chunks - 2); // at least 2 chunks survived in flash
    await stopFleet(fleet);
  });

  it("refuses bad bundles and corrupted transfers with a reason; the old version keeps running", async () => {
    const bus = new MemoryBus();
    const fleet = await startFleet({ count: 6, groups: () => ["cameras"], transport: () => bus.client() });
    const good = counterBundle("2.0.0");
    const b = readBundle(good);
    const wasm = new Uint8Array(b.wasm);
    wasm[wasm.length - 1]! ^= 1;
    const tampered = encode({ manifest: b.manifestBytes, wasm, signature: { alg: "ed25519", key: b.publicKey, sig: b.signature } });
    const corrupted = new Uint8Array(good);
    corrupted[200]! ^= 0x40;
    // device -> [bytes served, bytes named by the job]
    const cases: Record<string, [Uint8Array, Uint8Array]> = {
      "dev-0000": [tampered, tampered],
      "dev-0001": [counterBundle("2.0.0", { key: STRANGER }), counterBundle("2.0.0", { key: STRANGER })],
      "dev-0002": [counterBundle("2.0.0", { abi: 2 }), counterBundle("2.0.0", { abi: 2 })],
      "dev-0003": [counterBundle("0.5.0"), counterBundle("0.5.0")],
      "dev-0004": [good.subarray(0, good.length - 40), good.subarray(0, good.length - 40)],
      "dev-0005": [corrupted, good],
    };
    const server = new ChunkServer(bus.client(), "plant-1");
    await server.start();
    const ctl: OtaTransport = bus.client();
    for (const [dev, [served, named]] of Object.entries(cases)) {
      const id = server.add(served, 256);
      const job = encodeJob({ op: "install", rollout: `bad-${dev}`, agent: "counter", version: dev === "dev-0003" ? "0.5.0" : "2.0.0", bundle: id, size: served.length, sha256: sha256(named), chunk: 256 });
      await ctl.publish(otaTopics("plant-1").job(dev), job, { qos: 1, retain: true });
    }
    const ids = Object.keys(cases);
    // Watch the devices' retained statuses until each has refused.
    const reasons: Record<string, string> = {};
    const unsub = await ctl.subscribe(otaTopics("plant-1").statusAll, (_topic, p) => {
      const st = decodeStatus(p);
      if (st.phase === "refused") reasons[st.device] = st.reason!;
    });
    for (let t = 0; t < 500 && Object.keys(reasons).length < ids.length; t++) await new Promise((r) => setTimeout(r, 20));
    await unsub();
    expect(reasons).toEqual({
      "dev-0000": "tampered",
      "dev-0001": "untrusted-key",
      "dev-0002": "wrong-abi",
      "dev-0003": "older-version",
      "dev-0004": "truncated",
      "dev-0005": "corrupted",
    });
    expect(versions(fleet)).toEqual({ "1.0.0": 6 });
    for (const [i, d] of fleet.entries()) expect(d.state()).toBe(i);
    expect(bundleId(good)).not.toBe(bundleId(corrupted));
    await server.stop();
    await stopFleet(fleet);
  });
});
