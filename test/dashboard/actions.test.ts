// The dashboard without a browser: its model from real envelopes on a real broker, and the
// operator's actions on a rollout whose controller is running its waves.
import { afterEach, describe, expect, it } from "vitest";
import { startDashboard, type Dashboard, type FleetSnapshot } from "../../host/dashboard/index.ts";
import { Sealer, cborEncode, generateDeviceKey } from "../../host/net/index.ts";
import { RolloutController, encodeDevice, mqttTransport, otaTopics, type RolloutRecord } from "../../host/ota/index.ts";
import { startBroker, type TestBroker } from "../ota/broker.ts";
import { PUBLISHER, STRANGER, counterBundle } from "../ota/fixtures.ts";

const SITE = "dash-test";
let broker: TestBroker;
const open: Dashboard[] = [];
afterEach(async () => {
  for (const d of open.splice(0)) await d.close();
  await broker?.close();
});

async function dashboard(key: typeof PUBLISHER | null): Promise<Dashboard> {
  const d = await startDashboard({ brokerUrl: broker.url, site: SITE, port: 0, key });
  open.push(d);
  return d;
}

async function snapshotUntil(d: Dashboard, ok: (s: FleetSnapshot) => boolean): Promise<FleetSnapshot> {
  for (let i = 0; i < 100; i++) {
    const s = (await (await fetch(`${d.url}api/snapshot`)).json()) as FleetSnapshot;
    if (ok(s)) return s;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error("the dashboard's model never got there");
}

const post = async (d: Dashboard, path: string): Promise<{ status: number; body: { error?: string; state?: string } }> => {
  const r = await fetch(`${d.url}${path}`, { method: "POST" });
  return { status: r.status, body: (await r.json()) as { error?: string; state?: string } };
};

describe("dashboard model", () => {
  it("builds devices, agents, auctions, rates and alerts from signed envelopes on the site's topics", async () => {
    broker = await startBroker();
    const d = await dashboard(null);
    const c = await broker.connect("fleet");
    const key = generateDeviceKey("amr-1");
    const seal = new Sealer(key, Date.now);
    const t = (rel: string) => `colony/${SITE}/${rel}`;
    const msg = (agent: string, data: unknown) => seal.seal("bus.msg", { agent, data: cborEncode(data) });
    await c.publishAsync(t("coord/presence/amr-1"), Buffer.from(seal.seal("presence.beat", { epoch: 1, every: 1000, state: { battery: 0.8, load: 0.1, capabilities: ["move"], position: [3, 4, 0] } })), { retain: true, qos: 1 });
    await c.publishAsync(t("telemetry"), Buffer.from(msg("mover", { fuel: 1200, memory: 65536 })));
    await c.publishAsync(t("coord/cnet/cfp"), Buffer.from(seal.seal("cnet.cfp", { task: "t1", round: 1, manager: "amr-1", capability: "move", spec: {}, bidUntil: 1 })));
    await c.publishAsync(t("coord/cnet/to/amr-1"), Buffer.from(seal.seal("cnet.bid", { task: "t1", round: 1, bidder: "amr-2", cost: 3, eta: 1, capability: "move" })));
    await c.publishAsync(t("coord/cnet/to/amr-2"), Buffer.from(seal.seal("cnet.award", { task: "t1", round: 1, manager: "amr-1", to: "amr-2" })));
    await c.publishAsync(t("event/anomaly"), Buffer.from(msg("monitor", { score: 0.93 })));
    await c.publishAsync(t("telemetry"), Buffer.from("not an envelope"));
    const s = await snapshotUntil(d, (x) => x.messages >= 7);
    const dev = s.devices.find((x) => x.id === "amr-1")!;
    expect(dev.position).toEqual([3, 4, 0]);
    expect(dev.battery).toBe(0.8);
    expect(dev.agents.mover).toMatchObject({ fuel: 1200, memory: 65536, messages: 1, lastTopic: "telemetry", state: "running" });
    expect(s.auctions).toEqual([expect.objectContaining({ task: "t1", manager: "amr-1", bids: 1, winner: "amr-2", state: "awarded" })]);
    expect(s.alerts.map((a) => a.text)).toContain("amr-1/monitor: anomaly score 0.93");
    expect(s.rates.telemetry).toBeCloseTo(2 / 5);
    expect(s.rates["coord/cnet/to/+"]).toBeCloseTo(2 / 5);
    // a clean leave marks the device lost at once
    await c.publishAsync(t("coord/presence/amr-1"), Buffer.from(seal.seal("presence.gone", { epoch: 1, why: "leave" })), { retain: true, qos: 1 });
    const gone = await snapshotUntil(d, (x) => x.devices.some((y) => y.id === "amr-1" && !y.alive));
    expect(gone.alerts.map((a) => a.text)).toContain("amr-1 lost (leave)");
  });
});

describe("dashboard actions", () => {
  it("halts a running rollout only with the key that signed it; the controller running the waves stops", async () => {
    broker = await startBroker();
    const c = await broker.connect("devices");
    for (const id of ["d1", "d2", "d3", "d4"]) await c.publishAsync(otaTopics(SITE).device(id), Buffer.from(encodeDevice({ device: id, groups: ["g"], agents: { counter: "1.0.0" } })), { retain: true, qos: 1 });
    // no device answers: the controller waits on its canary until the operator halts it
    const ctl = await RolloutController.create(mqttTransport(await broker.connect("controller")), SITE, counterBundle("2.0.0"), { target: "all", canaryPercent: 25, haltOnPercent: 0, id: "r1" }, { settleMs: 100, waveTimeoutMs: 50_000 });
    const waves: Promise<RolloutRecord> = ctl.run();
    const none = await dashboard(null);
    const stranger = await dashboard(STRANGER);
    const operator = await dashboard(PUBLISHER);
    for (const d of [none, stranger, operator]) await snapshotUntil(d, (s) => s.rollouts.some((r) => r.id === "r1" && r.signer === PUBLISHER.id));

    expect(await post(none, "api/rollouts/r1/halt")).toEqual({ status: 403, body: { error: "no key: start the dashboard with --key" } });
    const refused = await post(stranger, "api/rollouts/r1/halt");
    expect(refused.status).toBe(403);
    expect(refused.body.error).toBe(`key ${STRANGER.id} did not sign rollout "r1" (its bundle is signed by ${PUBLISHER.id})`);
    expect((await post(operator, "api/rollouts/nope/halt")).status).toBe(404);
    expect((await post(operator, "api/rollouts/r1/resume")).status).toBe(404);
    const get = await fetch(`${operator.url}api/rollouts/r1/halt`);
    expect(get.status).toBe(405);

    expect(await post(operator, "api/rollouts/r1/halt")).toEqual({ status: 200, body: { rollout: "r1", action: "halt", state: "halted" } });
    const done = await waves;
    expect(done).toMatchObject({ state: "halted", reason: "halted by operator", wavesDone: 0 });
    const s = await snapshotUntil(none, (x) => x.rollouts[0]?.state === "halted");
    expect(s.alerts.map((a) => a.text)).toContain("rollout r1 halted: halted by operator");
    expect((await post(operator, "api/rollouts/r1/halt")).body.error).toBe('rollout "r1" is halted, not running');
  });
});
