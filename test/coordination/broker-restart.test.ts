import { describe, expect, it } from "vitest";
import { RealClock } from "../../host/kernel/scheduler.ts";
import { Contractor, CoordNode, Manager, type TaskRecord } from "../../host/coordination/index.ts";
import { EmbeddedBroker } from "../../host/net/broker.ts";
import { KeyRing } from "../../host/net/keys.ts";
import { MqttTransport } from "../../host/net/mqtt/index.ts";
import { keyFor, SITE } from "./fleet.ts";
import { waitFor } from "../net/harnesses.ts";

describe("coordination over MQTT across a broker restart (embedded aedes)", () => {
  it("loses no QoS 1 message and completes every task exactly once", async () => {
    const broker = await EmbeddedBroker.start();
    const clock = new RealClock();
    const ring = new KeyRing();
    const tag = `${process.pid}x${Date.now() % 1e6}`;
    const nodes: CoordNode[] = [];
    const logs: string[] = [];
    const transports: MqttTransport[] = [];
    for (let i = 0; i < 4; i++) {
      const id = `r${i}`;
      const key = keyFor(100 + i, id);
      ring.add(id, key.publicKey);
      const t = new MqttTransport({ name: `${id}-${tag}`, url: broker.url, reconnectMs: 100, queueLimit: 10_000 });
      await t.connect();
      transports.push(t);
      nodes.push(new CoordNode({ transport: t, clock, key, keys: ring, site: SITE, log: (l) => logs.push(l) }));
    }
    try {
      // 1. a plain stream of sealed QoS 1 messages r1 -> r0 across the restart
      const got = new Set<number>();
      nodes[0]!.on("stream/#", (env) => got.add(env.body as number));
      // 2. contract-net: r0 manages, r1..r3 work
      const manager = new Manager(nodes[0]!, { bidWindow: 150, acceptTimeout: 3000, progressTimeout: 5000, rebid: 200 });
      manager.start();
      const settled: TaskRecord[] = [];
      manager.onSettled((t) => settled.push(t));
      const completions = new Map<string, number>();
      for (const n of nodes.slice(1)) {
        new Contractor(n, {
          capabilities: ["move"],
          bid: () => ({ cost: Number(n.id.slice(1)), eta: 100 }),
          perform: (job, ctl) => {
            clock.after(100, () => {
              if (ctl.cancelled) return;
              completions.set(job.task, (completions.get(job.task) ?? 0) + 1);
              ctl.done();
            });
          },
          maxConcurrent: 4,
          progressEvery: 100,
        }).start();
      }
      await new Promise((r) => setTimeout(r, 200)); // subscriptions in place
      let sent = 0;
      const send = (k: number) => {
        for (let i = 0; i < k; i++) nodes[1]!.send("stream/x", "test.seq", sent++);
      };
      send(100);
      for (let i = 0; i < 5; i++) manager.announce({ id: `a${i}`, capability: "move", deadline: clock.now() + 60_000 });
      await new Promise((r) => setTimeout(r, 100));
      await broker.stop();
      await waitFor(() => transports.every((t) => !t.connected), "every client to see the broker gone");
      send(100); // held in the store-and-forward queue
      for (let i = 5; i < 10; i++) manager.announce({ id: `a${i}`, capability: "move", deadline: clock.now() + 60_000 });
      await new Promise((r) => setTimeout(r, 300));
      await broker.restart();
      send(100);
      await waitFor(() => got.size === 300 && settled.length === 10, `300 messages (got ${got.size}) and 10 tasks settled`, 30_000).catch((e) => {
        const open = [...manager.tasks.values()].filter((t) => t.state !== "done").map((t) => `${t.id}:${t.state} r${t.round} c=${t.contractor} bids=${t.bids.size}`);
        throw new Error(`${(e as Error).message}: messages ${got.size}, unsettled ${open.join(", ")}; log: ${logs.slice(-20).join(" | ")}`);
      });
      expect([...got].sort((a, b) => a - b)).toEqual(Array.from({ length: 300 }, (_, i) => i));
      expect(settled.every((t) => t.state === "done")).toBe(true);
      for (let i = 0; i < 10; i++) expect(completions.get(`a${i}`), `a${i}`).toBe(1);
    } finally {
      clock.stop();
      for (const t of transports) await t.close().catch(() => undefined);
      await broker.stop();
    }
  });
});
