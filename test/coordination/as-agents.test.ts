// AssemblyScript agents take part in presence, election and leases with the host protocols,
// on the sealed in-process network (signed envelopes, replay windows, latency and jitter), and
// in real time over the embedded MQTT broker. One file: the agents are built once, here.
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { CoordBusPort, CoordNode, Election, LeaseClient, LeaseServer, Presence, presenceWill, type PresenceEvent } from "../../host/coordination/index.ts";
import { V8Engine } from "../../host/engines/index.ts";
import { Device, loadBoard, RealClock } from "../../host/kernel/index.ts";
import { EmbeddedBroker } from "../../host/net/broker.ts";
import { cborEncode } from "../../host/net/cbor.ts";
import { KeyRing } from "../../host/net/keys.ts";
import { MqttTransport } from "../../host/net/mqtt/index.ts";
import { agentFiles, asFleet, buildCoordAgents } from "./as-fleet.ts";
import { keyFor, SITE, state } from "./fleet.ts";

const LEASE = 1000;

beforeAll(buildCoordAgents, 180_000);

type Status = { me: string; leader: string; term: number; leading: boolean; peers: string };

async function asElection(n: number, seed = 1, model = {}) {
  const f = asFleet(model, seed);
  const devs = [];
  for (let i = 0; i < n; i++) devs.push(await f.device(`as${i}`));
  for (const d of devs) f.install(d, "peer", { every: 200, lease: LEASE });
  const status = (id: string) => f.reports.last.get(`${id}/test/status`) as Status | undefined;
  return { ...f, devs, status };
}

describe("AssemblyScript presence, election and leases speak the host protocols", () => {
  it("AS agents on several devices elect one leader they all agree on", async () => {
    const { clock, devs, status } = await asElection(4);
    clock.runUntil(5000);
    const views = devs.map((d) => status(d.id)!);
    const leaders = views.filter((v) => v.leading);
    expect(leaders.length).toBe(1);
    expect(new Set(views.map((v) => `${v.leader}/${v.term}`))).toEqual(new Set([`${leaders[0]!.me}/${leaders[0]!.term}`]));
    // each learnt its device id and sees the three others with their state vector
    for (const [i, v] of views.entries()) {
      expect(v.me).toBe(`as${i}`);
      expect(v.peers.split(",").sort()).toEqual(devs.filter((_, j) => j !== i).map((d) => `${d.id}:lift+scan:0.5`));
    }
  });

  it("converges to one leader on a lossy network (30% loss, duplicates, reordering)", async () => {
    const { clock, devs, status } = await asElection(4, 2, { loss: 0.3, duplicate: 0.1, reorder: 0.1, reorderDelay: 30 });
    clock.runUntil(8000);
    const views = devs.map((d) => status(d.id)!);
    expect(views.filter((v) => v.leading).length).toBe(1);
    expect(new Set(views.map((v) => `${v.leader}/${v.term}`)).size).toBe(1);
    // duplicates never reach an agent twice: the replay window drops them in the port
    expect(devs.some((d) => (d.node.refused.replay ?? 0) > 0)).toBe(true);
  });

  it("a killed AS leader is replaced within the lease (timeout detection, no will)", async () => {
    const { clock, devs, status, kill } = await asElection(4, 7);
    clock.runUntil(5000);
    const old = devs.find((d) => status(d.id)!.leading)!;
    const oldTerm = status(old.id)!.term;
    const killedAt = clock.now();
    kill(old);
    const live = devs.filter((d) => d !== old);
    let at = -1;
    while (clock.now() < killedAt + 4 * LEASE) {
      clock.runUntil(clock.now() + 5);
      const v = live.map((d) => status(d.id)!);
      const lead = v.filter((s) => s.leading);
      if (lead.length === 1 && v.every((s) => s.leader === lead[0]!.me && s.term === lead[0]!.term)) {
        at = clock.now();
        break;
      }
    }
    expect(at).toBeGreaterThan(0);
    // a lease of silence, then at most lease/4 of backoff
    expect(at - killedAt).toBeLessThan(LEASE * 1.25 + 50);
    expect(status(live.find((d) => status(d.id)!.leading)!.id)!.term).toBeGreaterThan(oldTerm);
  });

  it("AS and host Election nodes stand in one election and follow each other", async () => {
    const f = asFleet({}, 3);
    const as = [await f.device("m1"), await f.device("m3")];
    for (const d of as) f.install(d, "peer", { every: 200, lease: LEASE });
    // host devices with presence wills
    const hosts = [];
    for (const id of ["h0", "h2"]) {
      const h = await f.node(id, (key) => presenceWill(key, SITE, 1, 0));
      const presence = new Presence(h.node, state(["lift"]), { every: 200, epoch: 1 });
      presence.start();
      const election = new Election(h.node, { role: "coordinator", lease: LEASE, presence });
      election.start();
      hosts.push({ ...h, presence, election });
    }
    f.clock.runUntil(6000);
    const st = (id: string) => f.reports.last.get(`${id}/test/status`) as Status;
    const views = [...as.map((d) => `${st(d.id).leader}/${st(d.id).term}`), ...hosts.map((h) => `${h.election.leader}/${h.election.term}`)];
    expect(new Set(views).size).toBe(1);
    const leading = [...as.filter((d) => st(d.id).leading).map((d) => d.id), ...hosts.filter((h) => h.election.isLeader()).map((h) => h.id)];
    expect(leading).toEqual([views[0]!.split("/")[0]]);
    // the leader's device dies (host or AS): the three others agree on a new one, in a higher term
    const first = leading[0]!;
    const firstTerm = Number(views[0]!.split("/")[1]);
    const host = hosts.find((h) => h.id === first);
    if (host) f.bus.crash(host.id);
    else f.kill(as.find((d) => d.id === first)!);
    f.clock.runUntil(f.clock.now() + 3 * LEASE);
    const liveAs = as.filter((d) => d.id !== first);
    const liveHosts = hosts.filter((h) => h.id !== first);
    const after = [...liveAs.map((d) => `${st(d.id).leader}/${st(d.id).term}`), ...liveHosts.map((h) => `${h.election.leader}/${h.election.term}`)];
    expect(new Set(after).size).toBe(1);
    expect(Number(after[0]!.split("/")[1])).toBeGreaterThan(firstTerm);
    // only AS candidates left: one of them leads, and a host that joins later follows it
    for (const h of liveHosts) f.bus.crash(h.id);
    f.clock.runUntil(f.clock.now() + 3 * LEASE);
    const asLead = liveAs.filter((d) => st(d.id).leading);
    expect(asLead.length).toBe(1);
    const late = await f.node("h9");
    const lateElection = new Election(late.node, { role: "coordinator", lease: LEASE });
    lateElection.start();
    f.clock.runUntil(f.clock.now() + 3 * LEASE);
    expect(lateElection.leader).toBe(asLead[0]!.id);
    expect(lateElection.term).toBe(st(asLead[0]!.id).term);
    expect(lateElection.isLeader()).toBe(false);
  });

  it("presence of an AS agent is seen by a host Presence, and the other way round", async () => {
    const f = asFleet({}, 5);
    const d = await f.device("as-a");
    f.install(d, "peer", { every: 200, lease: LEASE, battery: 0.25, candidate: 0 });
    const h = await f.node("host-b", (key) => presenceWill(key, SITE, 1, 0));
    const presence = new Presence(h.node, { battery: 0.75, load: 0.5, capabilities: ["weld"], position: [4, 5, 6] }, { every: 200, epoch: 1 });
    const events: PresenceEvent[] = [];
    presence.onChange((e) => events.push(e));
    presence.start();
    f.clock.runUntil(2000);
    const peer = presence.peer("as-a")!;
    expect(peer.alive).toBe(true);
    expect(peer.state).toEqual({ battery: 0.25, load: 0, capabilities: ["lift", "scan"], position: [1, 2, 3] });
    expect(peer.epoch).toBe(1);
    const st = () => f.reports.last.get("as-a/test/status") as Status;
    expect(st().peers).toBe("host-b:weld:0.75");
    // the host dies: its will reaches the agent at once
    const crashedAt = f.clock.now();
    f.bus.crash("host-b");
    f.clock.runUntil(crashedAt + 50);
    // (a beat still in flight may bring it back until its timeout: the protocol's own race)
    expect(f.reports.all.some((r) => r.device === "as-a" && r.t > crashedAt && r.body.peers === "")).toBe(true);
    f.clock.runUntil(crashedAt + 1000);
    expect(st().peers).toBe("");
    // the AS device dies: the host sees it down by timeout (3 periods), no will
    const h2 = await f.node("host-c");
    const p2 = new Presence(h2.node, state(), { every: 200, epoch: 1 });
    const downs: PresenceEvent[] = [];
    p2.onChange((e) => e.type === "down" && downs.push(e));
    p2.start();
    f.clock.runUntil(f.clock.now() + 1000);
    expect(p2.peer("as-a")?.alive).toBe(true);
    const killedAt = f.clock.now();
    f.kill(d);
    f.clock.runUntil(killedAt + 2000);
    expect(downs.map((e) => [e.peer.id, e.why])).toEqual([["as-a", "timeout"]]);
    expect(events.some((e) => e.type === "up" && e.peer.id === "as-a")).toBe(true);
  });

  it("an AS lease holder blocks a second AS agent until it releases, then until its lease expires", async () => {
    const f = asFleet({}, 9);
    const owner = await f.device("owner");
    f.install(owner, "owner");
    const a = await f.device("robot-a");
    const b = await f.device("robot-b");
    f.install(a, "leaser", { ttl: 600, start: 10, hold: 1500 });
    f.install(b, "leaser", { ttl: 600, start: 200, hold: 0 });
    f.clock.runUntil(5000);
    const held = f.reports.all.filter((r) => r.topic === "test/lease").map((r) => ({ t: r.t, dev: r.device, held: r.body.held, fence: r.body.fence }));
    const aGot = held.find((h) => h.dev === "robot-a" && h.held)!;
    const aLost = held.find((h) => h.dev === "robot-a" && !h.held)!;
    const bGot = held.find((h) => h.dev === "robot-b" && h.held)!;
    expect(aGot.t).toBeLessThan(100);
    // b wanted it from t=200 but got it only after a released (hold 1500 ms)
    expect(aLost.t).toBeGreaterThanOrEqual(aGot.t + 1500);
    expect(bGot.t).toBeGreaterThanOrEqual(aLost.t);
    expect(bGot.t - aLost.t).toBeLessThan(100);
    expect(Number(bGot.fence)).toBeGreaterThan(Number(aGot.fence));
    // b keeps renewing; a second try by a host client is refused while b holds it
    const h = await f.node("host-c");
    const c = new LeaseClient(h.node, "arm0", 600);
    c.acquire();
    f.clock.runUntil(f.clock.now() + 2000);
    expect(c.held()).toBe(false);
    // b's device dies without releasing: the lease expires and the host client gets it
    const killedAt = f.clock.now();
    f.kill(b);
    f.clock.runUntil(killedAt + 2000);
    expect(c.held()).toBe(true);
    expect(c.fence).toBeGreaterThan(Number(bGot.fence));
  });

  it("an AS lease client works against a host LeaseServer", async () => {
    const f = asFleet({}, 11);
    const o = await f.node("owner-h");
    const server = new LeaseServer(o.node, "arm0");
    server.start();
    const a = await f.device("robot-a");
    f.install(a, "leaser", { ttl: 600, start: 10, hold: 1000 });
    f.clock.runUntil(500);
    const last = () => f.reports.last.get("robot-a/test/lease")!;
    expect(last().held).toBe(true);
    expect(server.authorize("robot-a", Number(last().fence))).toBe(true);
    f.clock.runUntil(3000);
    expect(last().held).toBe(false);
    expect(server.current.holder).toBe(null);
  });
});

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const settle = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("AssemblyScript coordination over MQTT (embedded aedes, real time)", () => {
  it("AS agents elect one leader; a host joining later learns it and their states from retained messages", async () => {
    const broker = await EmbeddedBroker.start();
    cleanups.push(() => broker.stop());
    const clock = new RealClock();
    const ring = new KeyRing();
    const engine = new V8Engine();
    const board = loadBoard("esp32-devkitc");
    const status = new Map<string, Record<string, unknown>>();
    let n = 0;
    async function node(id: string) {
      const key = keyFor(200 + n++, id);
      ring.add(id, key.publicKey);
      const transport = new MqttTransport({ name: `${id}-${process.pid}`, url: broker.url, persistent: false });
      await transport.connect();
      cleanups.push(() => transport.close());
      return new CoordNode({ transport, clock, key, keys: ring, site: SITE, log: () => undefined });
    }
    const { wasm, manifest } = agentFiles("peer");
    for (const id of ["mq-a", "mq-b", "mq-c"]) {
      const dev = new Device({
        id, site: SITE, board, clock, engine, bus: new CoordBusPort(await node(id)), traceBodies: ["test/#"],
        trace: (e) => {
          const d = e.data as { topic?: string; body?: Record<string, unknown> } | undefined;
          if (e.type === "publish" && d?.topic === "test/status" && d.body) status.set(e.device, d.body);
        },
      });
      dev.install(wasm, manifest, new Map([["config", cborEncode({ every: 150, lease: 600 })]]));
      cleanups.push(() => dev.stop());
    }
    for (let i = 0; i < 60 && [...status.values()].filter((s) => s.leading).length !== 1; i++) await settle(100);
    await settle(700); // one more lease: stable
    const views = [...status.values()];
    expect(views.length).toBe(3);
    const leaders = views.filter((s) => s.leading);
    expect(leaders.length).toBe(1);
    expect(new Set(views.map((s) => `${s.leader}/${s.term}`))).toEqual(new Set([`${leaders[0]!.me}/${leaders[0]!.term}`]));
    // a host comes later: the retained claim and beats arrive first
    const late = await node("mq-late");
    const election = new Election(late, { role: "coordinator", lease: 600, candidate: false });
    const presence = new Presence(late, state(), { every: 150, epoch: 1 });
    election.start();
    presence.start();
    for (let i = 0; i < 50 && (election.leader === undefined || presence.alive().length < 3); i++) await settle(100);
    expect(election.leader).toBe(leaders[0]!.me);
    expect(election.term).toBe(leaders[0]!.term);
    expect(presence.alive().map((p) => p.id).sort()).toEqual(["mq-a", "mq-b", "mq-c"]);
    expect(presence.peer("mq-a")!.state.capabilities).toEqual(["lift", "scan"]);
    presence.stop();
    election.stop();
  }, 30_000);
});
