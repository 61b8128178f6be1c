// Federated learning over signed envelopes on the in-process bus: as good as pooling the data,
// with nothing but parameters on the wire, through an aggregator's death, refusing bad updates.
import { describe, expect, it } from "vitest";
import { decodeUpdate, EgressMonitor, FEATURES, runFederation, UpdateRefused, deviceData } from "../../host/learning/index.ts";
import { cborEncode } from "../../host/net/cbor.ts";

describe("federated learning", () => {
  it("non-IID devices reach the centralised accuracy within 2 points, and no raw sample leaves a device", () => {
    const r = runFederation({ devices: 10, rounds: 15, seed: 1 });
    expect(r.federatedAccuracy).toBeGreaterThan(0.8);
    expect(Math.abs(r.federatedAccuracy - r.centralisedAccuracy)).toBeLessThanOrEqual(0.02);
    // the model learned something: far above always answering the majority class
    const test = Array.from({ length: 10 }, (_, i) => deviceData(i, 1, { windows: 240, testShare: 0.25, iid: false }).test).flat();
    const majority = Math.max(test.filter((s) => s.y === 1).length, test.filter((s) => s.y === 0).length) / test.length;
    expect(r.federatedAccuracy).toBeGreaterThan(majority + 0.1);
    expect(r.egress.messages).toBeGreaterThan(15 * 10);
    expect(r.egress.byKind["learn.update"]!.messages).toBeGreaterThanOrEqual(16 * 10);
    expect(r.egress.rawSamples).toBe(0);
    expect(r.egress.leaks).toEqual([]);
    // an update is a few hundred bytes; a device's windows are a quarter of a megabyte
    expect(r.updateBytes).toBeLessThan(400);
    expect(r.rawBytesPerDevice).toBeGreaterThan(200_000);
  });

  it("the egress monitor finds a raw window that a careless device publishes", () => {
    const r = runFederation({ devices: 5, rounds: 3, seed: 2, leakyDevice: 2 });
    expect(r.egress.rawSamples).toBe(256);
    expect(r.egress.leaks).toEqual([{ topic: "colony/learning/debug/window", from: "dev-2", kind: "debug.raw" }]);
    // and sees through other encodings: a few samples as a CBOR number array
    const windows = [Float32Array.from({ length: 16 }, (_, i) => Math.sin(i) * 0.37)];
    const m = new EgressMonitor(windows);
    m.inspect("t", cborEncode({ stolen: [...windows[0]!.subarray(3, 9)] }));
    expect(m.count.rawSamples).toBe(6);
    m.inspect("t", cborEncode({ mean: [0.1, 0.2, 0.3, 0.4, 0.5] }));
    expect(m.count.leaks).toHaveLength(1);
  });

  it("a killed aggregator is replaced by election and training goes on from the last round", () => {
    const r = runFederation({ devices: 8, rounds: 12, seed: 3, killAggregatorAtRound: 5 });
    // the first aggregator dies at round 5; whoever the election puts after it goes on from there
    const [first, ...after] = r.aggregators;
    expect(after.length).toBeGreaterThanOrEqual(1);
    for (const a of after) {
      expect(a.device).not.toBe(first!.device);
      expect(a.term).toBeGreaterThan(first!.term);
      expect(a.fromRound).toBeGreaterThanOrEqual(5);
    }
    expect(Math.abs(r.federatedAccuracy - r.centralisedAccuracy)).toBeLessThanOrEqual(0.03);
  });

  it("broken updates are refused with their reason and never averaged in", () => {
    const r = runFederation({ devices: 6, rounds: 6, seed: 4, brokenDevice: 1 });
    expect(r.refused["wrong-shape"]).toBeGreaterThan(0);
    expect(r.refused["not-finite"]).toBeGreaterThan(0);
    expect(r.weights.every(Number.isFinite)).toBe(true);
    expect(r.federatedAccuracy).toBeGreaterThan(0.75);
  });

  it("decodeUpdate names what is wrong", () => {
    const d = FEATURES.length;
    const w = new Uint8Array(new Float64Array(d + 1).fill(0.5).buffer);
    expect(decodeUpdate({ round: 2, device: "a", n: 10, weights: w }, d, 2, 100)).toMatchObject({ round: 2, device: "a", n: 10 });
    const bad: [unknown, string, RegExp][] = [
      ["x", "malformed", /a map/],
      [{ round: 1, device: "a", n: 10, weights: w }, "stale-round", /round 1, collecting round 2/],
      [{ round: 2, device: "a", n: 0, weights: w }, "bad-count", /n must be a sample count/],
      [{ round: 2, device: "a", n: 10, weights: w.subarray(0, 8) }, "wrong-shape", /8 bytes, the model needs 40/],
      [{ round: 2, device: "a", n: 10, weights: [1, 2, 3, 4, 5] }, "malformed", /byte string/],
      [{ round: 2, device: "a", n: 10, weights: new Uint8Array(new Float64Array([1, 2, Infinity, 4, 5]).buffer) }, "not-finite", /not a finite number/],
    ];
    for (const [body, reason, re] of bad) {
      let err: unknown;
      try {
        decodeUpdate(body, d, 2, 100);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(UpdateRefused);
      expect((err as UpdateRefused).reason).toBe(reason);
      expect((err as Error).message).toMatch(re);
    }
  });
});

describe("colony learn", () => {
  it("prints the comparison as JSON, and refuses a fleet of one", async () => {
    const { execFile } = await import("node:child_process");
    const { promisify } = await import("node:util");
    const path = await import("node:path");
    const bin = path.resolve(import.meta.dirname, "../../bin/colony.js");
    const r = await promisify(execFile)(process.execPath, [bin, "learn", "--devices", "4", "--rounds", "4", "--json"]);
    const out = JSON.parse(r.stdout) as { federatedAccuracy: number; centralisedAccuracy: number; egress: { rawSamples: number } };
    expect(out.egress.rawSamples).toBe(0);
    expect(out.federatedAccuracy).toBeGreaterThan(0.6);
    const bad = await promisify(execFile)(process.execPath, [bin, "learn", "--devices", "1"]).catch((e: { code: number; stderr: string }) => e);
    expect((bad as { code: number }).code).toBe(1);
    expect((bad as { stderr: string }).stderr).toMatch(/--devices "1": expected a whole number from 2 to 200/);
  });
});
