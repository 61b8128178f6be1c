// The Mosquitto cluster's bridges and a shard's link over them: a message published on one
// broker reaches a subscriber on the other, and a shard's bus message reaches another shard's
// agents through the brokers, in order with the barrier. Under CI a missing mosquitto fails.
import { describe, expect, it } from "vitest";
import mqtt from "mqtt";
import { LocalBus, VirtualClock, type BusMessage } from "../../host/kernel/index.ts";
import { ShardLink, startMosquittoCluster } from "../../host/cluster/index.ts";
import { mosquittoPath } from "../net/mosquitto.ts";

describe.skipIf(!mosquittoPath())("Mosquitto cluster", () => {
  it("a message published on one broker reaches a subscriber on the other, both ways", async () => {
    const cluster = await startMosquittoCluster(3);
    const clients = await Promise.all(cluster.urls.map((url) => mqtt.connectAsync(url, { log: () => undefined })));
    try {
      const got = cluster.urls.map(() => [] as string[]);
      clients.forEach((c, i) => c.on("message", (_t, p) => got[i]!.push(p.toString())));
      await Promise.all(clients.map((c) => c.subscribeAsync("t/x", { qos: 1 })));
      // QoS 1 end to end: acknowledged by the publisher's broker, then over the bridges
      await clients[1]!.publishAsync("t/x", "from-1", { qos: 1 });
      await clients[0]!.publishAsync("t/x", "from-0", { qos: 1 });
      const end = Date.now() + 5000;
      while (!got.every((g) => g.length === 2) && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
      // every broker has it exactly once: a spoke's message through the hub to the other spoke, not back to itself
      for (const g of got) expect(g.sort()).toEqual(["from-0", "from-1"]);
    } finally {
      await Promise.all(clients.map((c) => c.endAsync()));
      await cluster.stop();
    }
  });

  it("a shard's publish reaches the other shard's subscriber through the bridge, counted, before the barrier releases", async () => {
    const cluster = await startMosquittoCluster(2);
    const links = await Promise.all([0, 1].map((shard) => ShardLink.connect({ url: cluster.urls[shard]!, run: "test", shard, shards: 2 })));
    try {
      const clocks = [new VirtualClock(), new VirtualClock()];
      const ports = links.map((l, i) => l.attach(new LocalBus(clocks[i]!, 3), clocks[i]!));
      const seen: { msg: BusMessage; at: number }[] = [];
      ports[1]!.subscribe("colony/s/cnet/cfp", (msg) => seen.push({ msg, at: clocks[1]!.now() }));
      // the start barrier carries shard 1's filters to shard 0
      await Promise.all(links.map((l) => l.sync(0)));
      clocks[0]!.runUntil(40);
      ports[0]!.publish({ topic: "colony/s/cnet/cfp", from: "node-0/fleet-worker", body: new Uint8Array([1, 2, 3]), qos: 0, sentAt: 40 });
      // not wanted by shard 1: stays on shard 0
      ports[0]!.publish({ topic: "colony/s/presence/heartbeat", from: "node-0/heartbeat", body: new Uint8Array([9]), qos: 0, sentAt: 40 });
      clocks[0]!.runUntil(100);
      await Promise.all(links.map((l) => l.sync(100)));
      clocks[1]!.runUntil(200);
      expect(seen).toHaveLength(1);
      expect(seen[0]!.msg.from).toBe("node-0/fleet-worker");
      expect([...seen[0]!.msg.body]).toEqual([1, 2, 3]);
      // shard 1's clock was at 0 when it came: delivered at its publish time plus the bus latency
      expect(seen[0]!.at).toBe(43);
      expect(links[0]!.counts()).toMatchObject({ published: 1, sent: 1, received: 0 });
      expect(links[1]!.counts()).toMatchObject({ published: 0, received: 1, lost: 0, late: 0, syncs: 2 });
    } finally {
      await Promise.all(links.map((l) => l.close()));
      await cluster.stop();
    }
  });

  it("a shard whose broker goes away fails at the barrier instead of waiting for ever", async () => {
    const cluster = await startMosquittoCluster(2);
    const links = await Promise.all([0, 1].map((shard) => ShardLink.connect({ url: cluster.urls[shard]!, run: "lost", shard, shards: 2 })));
    const clock = new VirtualClock();
    links[0]!.attach(new LocalBus(clock, 3), clock);
    // shard 1 never reaches the barrier; the brokers stop under shard 0 while it waits
    const waiting = expect(links[0]!.sync(0)).rejects.toThrow(/shard 0 lost its connection to mqtt:\/\/127\.0\.0\.1:\d+/);
    await cluster.stop();
    await waiting;
    await expect(links[0]!.sync(100)).rejects.toThrow(/lost its connection/);
    await Promise.all(links.map((l) => l.close().catch(() => undefined)));
  });
});
