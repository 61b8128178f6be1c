// One suite every Transport passes. A Harness hides how time passes (virtual clock steps or
// real waits) and how faults are made (crash a node, take the network away and back).
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Transport, TransportOptions } from "../../host/net/transport.ts";

export interface Harness {
  make(opts: TransportOptions): Transport;
  /** Let deliveries happen: step a virtual clock, or wait in real time until `until` holds. */
  settle(until: () => boolean, maxMs?: number): Promise<void>;
  /** The node dies without a clean close, so its will is published. */
  crash(t: Transport): Promise<void>;
  /** The network (link or broker) goes away while `during` runs, then comes back. */
  outage(t: Transport, during: () => Promise<void>): Promise<void>;
  dispose(): Promise<void>;
}

const bytes = (s: string) => new TextEncoder().encode(s);
const text = (b: Uint8Array) => new TextDecoder().decode(b);

export function transportConformance(label: string, setup: () => Promise<Harness>): void {
  describe(`transport conformance: ${label}`, () => {
    let h: Harness;
    const open: Transport[] = [];
    let n = 0;
    const uniq = () => `t${process.pid}x${Date.now() % 100000}x${++n}`;
    async function make(name: string, opts: Partial<TransportOptions> = {}): Promise<Transport> {
      const t = h.make({ name: `${name}-${uniq()}`, ...opts });
      await t.connect();
      open.push(t);
      return t;
    }
    beforeEach(async () => {
      h = await setup();
    });
    afterEach(async () => {
      for (const t of open.splice(0)) await t.close().catch(() => undefined);
      await h.dispose();
    });

    it("delivers payload bytes exactly at QoS 0 and 1, with + and # filters", async () => {
      const root = `colony/${uniq()}`;
      const a = await make("a");
      const b = await make("b");
      const got: string[] = [];
      await b.subscribe(`${root}/+/x`, (t, p) => got.push(`+ ${t.slice(root.length)} ${text(p)}`));
      await b.subscribe(`${root}/deep/#`, (t, p) => got.push(`# ${t.slice(root.length)} ${p.length}`));
      await a.publish(`${root}/s1/x`, bytes("zero"), { qos: 0 });
      await a.publish(`${root}/s2/x`, bytes("one"), { qos: 1 });
      await a.publish(`${root}/deep/a/b`, new Uint8Array(300).fill(7), { qos: 1 });
      await a.publish(`${root}/other`, bytes("no"), { qos: 1 });
      await h.settle(() => got.length >= 3);
      await h.settle(() => false, 50);
      expect(got.sort()).toEqual(["# /deep/a/b 300", "+ /s1/x zero", "+ /s2/x one"]);
    });

    it("stops delivering after unsubscribe", async () => {
      const root = `colony/${uniq()}`;
      const a = await make("a");
      const got: string[] = [];
      const un = await a.subscribe(`${root}/#`, (_t, p) => got.push(text(p)));
      await a.publish(`${root}/x`, bytes("1"), { qos: 1 });
      await h.settle(() => got.length === 1);
      await un();
      await a.publish(`${root}/x`, bytes("2"), { qos: 1 });
      await h.settle(() => false, 100);
      expect(got).toEqual(["1"]);
    });

    it("keeps QoS 1 messages of one publisher complete and in order", async () => {
      const root = `colony/${uniq()}`;
      const a = await make("a");
      const b = await make("b");
      const got: number[] = [];
      await b.subscribe(`${root}/seq`, (_t, p) => got.push(Number(text(p))));
      for (let i = 0; i < 200; i++) await a.publish(`${root}/seq`, bytes(String(i)), { qos: 1 });
      await h.settle(() => got.length >= 200);
      expect(got).toEqual(Array.from({ length: 200 }, (_, i) => i));
    });

    it("retains the last retained message per topic and clears it with an empty one", async () => {
      const root = `colony/${uniq()}`;
      const a = await make("a");
      await a.publish(`${root}/r1`, bytes("old"), { qos: 1, retain: true });
      await a.publish(`${root}/r1`, bytes("new"), { qos: 1, retain: true });
      await a.publish(`${root}/r2`, bytes("gone"), { qos: 1, retain: true });
      await a.publish(`${root}/r2`, new Uint8Array(0), { qos: 1, retain: true });
      await h.settle(() => false, 100);
      const b = await make("b");
      const got: string[] = [];
      await b.subscribe(`${root}/+`, (t, p, info) => got.push(`${t.slice(root.length)} ${text(p)} ${info.retained}`));
      await h.settle(() => got.length >= 1);
      await h.settle(() => false, 100);
      expect(got).toEqual(["/r1 new true"]);
    });

    it("publishes the will when a node dies, not when it closes cleanly", async () => {
      const root = `colony/${uniq()}`;
      const watcher = await make("w");
      const got: string[] = [];
      await watcher.subscribe(`${root}/will/+`, (t, p) => got.push(`${t.slice(root.length)} ${text(p)}`));
      const dies = await make("dies", { will: { topic: `${root}/will/dies`, payload: bytes("lost"), qos: 1 } });
      const leaves = await make("leaves", { will: { topic: `${root}/will/leaves`, payload: bytes("lost"), qos: 1 } });
      await h.settle(() => false, 50);
      await leaves.close();
      await h.crash(dies);
      await h.settle(() => got.length >= 1);
      await h.settle(() => false, 100);
      expect(got).toEqual(["/will/dies lost"]);
    });

    it("loses no QoS 1 message across an outage (store-and-forward, persistent session)", async () => {
      const root = `colony/${uniq()}`;
      const a = await make("a");
      const b = await make("b");
      const got = new Set<number>();
      await b.subscribe(`${root}/q`, (_t, p) => got.add(Number(text(p))));
      for (let i = 0; i < 20; i++) await a.publish(`${root}/q`, bytes(String(i)), { qos: 1 });
      await h.outage(a, async () => {
        for (let i = 20; i < 60; i++) await a.publish(`${root}/q`, bytes(String(i)), { qos: 1 });
      });
      for (let i = 60; i < 80; i++) await a.publish(`${root}/q`, bytes(String(i)), { qos: 1 });
      await h.settle(() => got.size >= 80, 15_000);
      expect([...got].sort((x, y) => x - y)).toEqual(Array.from({ length: 80 }, (_, i) => i));
    });
  });
}
