import { describe, expect, it } from "vitest";
import { AgentSlots, PowerCut, SimFlash, seededRandom, slotAreaSize, OtaError } from "../../host/ota/index.ts";
import { PUBLISHER, STRANGER, counterBundle } from "./fixtures.ts";
import { TestRuntime } from "./runtime.ts";

const layout = { offset: 0, slotSize: 8192, stateSize: 128 };
const size = slotAreaSize(layout);
const policy = { trustedKeys: [PUBLISHER.publicKey], abi: [1] };
const V1 = counterBundle("1.0.0", { size: 2048 });
const V2 = counterBundle("2.0.0", { size: 2048 });

async function provisioned(flash: SimFlash, rt = new TestRuntime()) {
  const slots = new AgentSlots(flash, layout, rt, policy);
  await slots.provision(V1);
  const e = () => (slots.instance as unknown as { exports: { tick(): void; state(): number } }).exports;
  for (let i = 0; i < 5; i++) e().tick();
  slots.checkpoint(); // saved state 5
  for (let i = 0; i < 3; i++) e().tick(); // live state 8, handed over at install
  return { slots, rt };
}

const stateOf = (slots: AgentSlots): number => new DataView(slots.instance!.snapshot()!.buffer).getInt32(0, true);

describe("device slots", () => {
  it("installs, hands state over and commits", async () => {
    const { slots, rt } = await provisioned(new SimFlash(size));
    expect(await slots.install(V2, "r1")).toEqual({ outcome: "committed", version: "2.0.0" });
    expect(slots.version).toBe("2.0.0");
    expect(stateOf(slots)).toBe(8);
    expect(rt.running()).toHaveLength(1);
    expect(slots.floor).toBe("2.0.0");
  });

  it("rolls back a version that fails its health window, state intact", async () => {
    const { slots, rt } = await provisioned(new SimFlash(size));
    const out = await slots.install(counterBundle("2.0.0", { healthy: false }), "r1");
    expect(out).toMatchObject({ outcome: "rolled-back", version: "1.0.0", reason: "health-check" });
    expect(slots.version).toBe("1.0.0");
    expect(stateOf(slots)).toBe(8);
    expect(rt.running()).toHaveLength(1);
    expect(slots.floor).toBe("1.0.0");
  });

  it("refuses bad bundles before writing anything; the old version keeps running", async () => {
    const flash = new SimFlash(size);
    const { slots } = await provisioned(flash);
    const before = flash.written;
    const refuse = async (b: Uint8Array) => (await slots.install(b).then(() => "installed", (e: unknown) => (e instanceof OtaError ? e.reason : String(e))));
    const tampered = new Uint8Array(V2);
    tampered[tampered.length - 100]! ^= 0xff;
    expect(await refuse(tampered)).toBe("tampered");
    expect(await refuse(counterBundle("2.0.0", { key: STRANGER }))).toBe("untrusted-key");
    expect(await refuse(counterBundle("2.0.0", { abi: 2 }))).toBe("wrong-abi");
    expect(await refuse(counterBundle("0.9.0"))).toBe("older-version");
    expect(await refuse(counterBundle("1.0.0"))).toBe("older-version");
    expect(await refuse(V2.subarray(0, V2.length - 10))).toBe("truncated");
    expect(flash.written).toBe(before);
    expect(slots.version).toBe("1.0.0");
    expect(stateOf(slots)).toBe(8);
  });

  it("a power cut at 100 random points of an install leaves exactly one version running with intact state", async () => {
    // Bytes an uninterrupted install writes.
    const probe = new SimFlash(size);
    const { slots: p } = await provisioned(probe);
    const start = probe.written;
    await p.install(V2);
    const total = probe.written - start;
    expect(total).toBeGreaterThan(2048);
    const rnd = seededRandom(2024);
    const seen = { old: 0, new: 0 };
    for (let k = 0; k < 100; k++) {
      const flash = new SimFlash(size);
      const { slots } = await provisioned(flash);
      // k = 99 cuts right after the last byte: the install is complete.
      const cut = k === 99 ? total : Math.floor(rnd() * total);
      flash.cutAfter(cut);
      const err = await slots.install(V2).then(() => null, (e: unknown) => e);
      if (cut < total) expect(err, `cut after ${cut} bytes`).toBeInstanceOf(PowerCut);
      // Power back: a fresh device boots from what the flash holds; every other time the
      // power fails again while it recovers, then comes back for good.
      let image = flash.bytes;
      if (k % 2 === 1) {
        const again = new SimFlash(size, image);
        again.cutAfter(Math.floor(rnd() * 300));
        await new AgentSlots(again, layout, new TestRuntime(), policy).boot().catch((e: unknown) => {
          if (!(e instanceof PowerCut)) throw e;
        });
        image = again.bytes;
      }
      const rt = new TestRuntime();
      const rebooted = new AgentSlots(new SimFlash(size, image), layout, rt, policy);
      await rebooted.boot();
      expect(rt.running(), `cut after ${cut} bytes`).toHaveLength(1);
      const v = rebooted.version;
      const s = stateOf(rebooted);
      if (v === "2.0.0") {
        seen.new++;
        expect(s, `cut after ${cut}: new version's state`).toBe(8);
      } else {
        seen.old++;
        expect(v, `cut after ${cut}`).toBe("1.0.0");
        expect([5, 8], `cut after ${cut}: old version's state`).toContain(s);
      }
      // and the device can still be updated afterwards
      if (v === "1.0.0") expect((await rebooted.install(V2)).outcome).toBe("committed");
    }
    // A cut before the commit record is complete leaves the trial unproven: the old version.
    expect(seen).toEqual({ old: 99, new: 1 });
  });

  it("a power cut anywhere in a staged download and its install leaves one version with intact state", async () => {
    const staged = async (slots: AgentSlots): Promise<void> => {
      slots.stage("b1", V2.length, 512);
      for (let i = 0; i * 512 < V2.length; i++) slots.stageChunk(i, V2.subarray(i * 512, (i + 1) * 512));
      await slots.install(V2);
    };
    const probe = new SimFlash(size);
    const { slots: p } = await provisioned(probe);
    const start = probe.written;
    await staged(p);
    const total = probe.written - start;
    const rnd = seededRandom(7);
    for (let k = 0; k < 50; k++) {
      const flash = new SimFlash(size);
      const { slots } = await provisioned(flash);
      const cut = Math.floor(rnd() * total);
      flash.cutAfter(cut);
      await expect(staged(slots), `cut ${cut}`).rejects.toBeInstanceOf(PowerCut);
      const rt = new TestRuntime();
      const rebooted = new AgentSlots(new SimFlash(size, flash.bytes), layout, rt, policy);
      await rebooted.boot();
      expect(rt.running()).toHaveLength(1);
      expect(rebooted.version, `cut ${cut}`).toBe("1.0.0");
      expect([5, 8]).toContain(stateOf(rebooted));
      // What was staged survives: a second attempt needs only the missing chunks.
      const again = rebooted.stage("b1", V2.length, 512);
      for (const i of again.have) expect(again.data.subarray(i * 512, (i + 1) * 512)).toEqual(V2.subarray(i * 512, (i + 1) * 512));
    }
  });

  it("a power cut during the health window boots the old version", async () => {
    const flash = new SimFlash(size);
    const { slots } = await provisioned(flash);
    const start = flash.written;
    const probe = new SimFlash(size);
    const { slots: p } = await provisioned(probe);
    const s0 = probe.written;
    await p.install(V2);
    const commitRecord = 256; // the last write is one boot-record copy
    flash.cutAfter(probe.written - s0 - commitRecord);
    await expect(slots.install(V2)).rejects.toBeInstanceOf(PowerCut);
    expect(flash.written - start).toBe(probe.written - s0 - commitRecord);
    const rebooted = new AgentSlots(new SimFlash(size, flash.bytes), layout, new TestRuntime(), policy);
    await rebooted.boot();
    expect(rebooted.version).toBe("1.0.0");
    expect(stateOf(rebooted)).toBe(8);
  });

  it("operator rollback returns to the previous version with state", async () => {
    const { slots } = await provisioned(new SimFlash(size));
    await slots.install(V2);
    (slots.instance as unknown as { exports: { tick(): void } }).exports.tick();
    expect(await slots.revert("r1")).toBe("1.0.0");
    expect(stateOf(slots)).toBe(9);
    await expect(slots.revert()).rejects.toThrow(/no older version/);
  });
});
