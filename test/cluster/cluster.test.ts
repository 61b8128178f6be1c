// colony cluster end to end: two brokers, two shard processes, a few hundred devices of the
// fleet scenario. The merged totals are the shards' sums, auctions cross the bridge, and a shard
// that dies is reported failed with its error, not as a smaller fleet.
import path from "node:path";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ClusterError, runCluster, withDeviceCount, type ShardSummary } from "../../host/cluster/index.ts";
import { mosquittoPath } from "../net/mosquitto.ts";

const ROOT = path.resolve(import.meta.dirname, "../..");
const FLEET = path.join(ROOT, "scenarios/fleet-1000.yaml");
// one dispatcher in 50: four of them in 200 devices, tendering every 10 s from 10 s on
const text = withDeviceCount(readFileSync(FLEET, "utf8"), FLEET, 200).replace("nth: 100", "nth: 50");
const base = { scenarioFile: FLEET, scenarioText: text, shards: 2, brokers: 2, durationMs: 12_000, agentsDir: path.join(ROOT, "build/agents") };

const total = (rs: ShardSummary[], f: (s: ShardSummary) => number) => rs.reduce((n, s) => n + f(s), 0);

describe.skipIf(!mosquittoPath())("colony cluster", () => {
  it("merges the shards: totals are their sums, and the auctions cross the bridge", async () => {
    const s = await runCluster(base);
    expect(s.failed).toEqual([]);
    expect(s.ok).toBe(true);
    const rs = s.shardResults;
    expect(rs.map((r) => [r.from, r.to])).toEqual([[0, 100], [100, 200]]);
    expect(new Set(rs.map((r) => r.broker)).size).toBe(2);
    expect(s.devices).toBe(200);
    expect(s.agents).toBe(600);
    expect(s.agents).toBe(total(rs, (r) => r.agents));
    expect(s.eventsRun).toBe(total(rs, (r) => r.eventsRun));
    expect(s.agentEvents).toBe(total(rs, (r) => r.agentEvents));
    expect(s.messages.published).toBe(total(rs, (r) => r.messages.published));
    expect(s.messages.delivered).toBe(total(rs, (r) => r.messages.delivered));
    expect(s.faults).toBe(total(rs, (r) => r.faults));
    expect(s.restarts).toBe(total(rs, (r) => r.restarts));
    expect(s.memory.rssMiB).toBeCloseTo(total(rs, (r) => r.rssMiB.peak), 1);
    expect(s.simulatedMs).toBe(12_000);
    // every heartbeat of 12 s, on whichever shard it ran
    expect(s.agentGroups.find((g) => g.agent === "heartbeat")).toMatchObject({ count: 200, published: 200 * 12 });
    // the cfps at 10 s reach every bidder of both shards, and their bids come back over the bridge
    const bridged = total(rs, (r) => r.bridge.received);
    expect(bridged).toBeGreaterThan(0);
    expect(s.bridge.received).toBe(bridged);
    expect(s.bridge.sent).toBe(s.bridge.received);
    expect(s.bridge.lost).toBe(0);
    for (const r of rs) expect(r.bridge.received).toBeGreaterThan(0);
    expect(s.agentGroups.find((g) => g.agent === "fleet-worker")!.received).toBeGreaterThan(200);
  });

  it("a shard that dies is reported failed with its error, and the run is not ok", async () => {
    const s = await runCluster({
      ...base,
      // killed as soon as it is connected: it never sends a summary
      onShard: (i, child) => i === 1 && child.on("message", (m: { type: string }) => m.type === "connected" && child.kill("SIGKILL")),
    });
    expect(s.ok).toBe(false);
    expect(s.failed).toContainEqual({ shard: 1, error: expect.stringMatching(/killed by SIGKILL/) });
    // the other shard would wait for it at the first barrier: stopped, and said so
    expect(s.failed).toContainEqual({ shard: 0, error: "stopped: shard 1 failed" });
    expect(s.shardResults).toEqual([]);
  });

  it("refuses bad arguments and scenarios it cannot split, naming what is wrong", async () => {
    await expect(runCluster({ ...base, brokers: 3 })).rejects.toThrow(/brokers: 3 brokers for 2 shard\(s\) leaves a broker without a shard/);
    await expect(runCluster({ ...base, shards: 0 })).rejects.toThrow(ClusterError);
    await expect(runCluster({ ...base, shards: 300, brokers: 1 })).rejects.toThrow(/shards: at most 255/);
    await expect(runCluster({ ...base, scenarioText: withDeviceCount(text, FLEET, 3), shards: 4, brokers: 1 })).rejects.toThrow(/shards: 4 shards for 3 device\(s\)/);
    const ota = path.join(ROOT, "scenarios/ota-rollout.yaml");
    await expect(runCluster({ ...base, scenarioFile: ota, scenarioText: readFileSync(ota, "utf8"), shards: 1, brokers: 1 })).rejects.toThrow(/OTA rollout runs in real time over one broker/);
    const pump = path.join(ROOT, "scenarios/pump-room.yaml");
    expect(() => withDeviceCount(readFileSync(pump, "utf8"), pump, 10)).toThrow(/needs exactly one fleet group/);
  });
});
