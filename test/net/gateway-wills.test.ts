// Where MQTT-SN wills live. Default: the gateway keeps them and publishes them for lost clients.
// brokerWills (`colony gateway --broker-wills`): each client's will is its broker connection's
// MQTT will, so the broker publishes it even when the gateway process is killed.
import { spawn } from "node:child_process";
import mqtt, { type MqttClient } from "mqtt";
import { afterEach, describe, expect, it } from "vitest";
import { EmbeddedBroker } from "../../host/net/broker.ts";
import { MqttSnClient, MqttSnGateway } from "../../host/net/mqttsn/index.ts";
import { waitFor } from "./harnesses.ts";
import { Mosquitto, mosquittoPath } from "./mosquitto.ts";

const txt = (s: string) => new TextEncoder().encode(s);
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function watch(url: string, filter: string): Promise<string[]> {
  const seen: string[] = [];
  const w: MqttClient = await mqtt.connectAsync(url, { clientId: `watch-${process.pid}-${Math.random().toString(16).slice(2)}` });
  cleanups.push(() => w.endAsync(true));
  w.on("message", (t, p, pk) => seen.push(`${t} ${p.toString()} q${pk.qos}${pk.retain ? " r" : ""}`));
  await w.subscribeAsync(filter, { qos: 1 });
  return seen;
}

async function snClient(port: number, name: string, extra: Partial<ConstructorParameters<typeof MqttSnClient>[0]> = {}): Promise<MqttSnClient> {
  const c = new MqttSnClient({ name, gateway: { port }, retryMs: 150, maxRetries: 3, keepAliveS: 30, log: () => undefined, ...extra });
  await c.connect();
  cleanups.push(() => c.close().catch(() => undefined));
  return c;
}

const settle = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.each([false, true])("gateway wills (brokerWills %s)", (brokerWills) => {
  async function setup() {
    const broker = await EmbeddedBroker.start();
    cleanups.push(() => broker.stop());
    const gw = new MqttSnGateway({ brokerUrl: broker.url, retryMs: 150, maxRetries: 3, sweepMs: 50, brokerWills, log: () => undefined });
    await gw.start();
    cleanups.push(() => gw.stop());
    const seen = await watch(broker.url, "colony/s/will/#");
    return { broker, gw, seen };
  }

  it("publishes a lost client's (updated) will, never a cleanly disconnected one's or a replaced one's", async () => {
    const { broker, gw, seen } = await setup();
    const quiet = await snClient(gw.port, "quiet", { will: { topic: "colony/s/will/q", payload: txt("no") } });
    await quiet.close();
    // the same client id connects again, without a will: its old will must not fire
    const again = await snClient(gw.port, "again", { will: { topic: "colony/s/will/old", payload: txt("old") }, persistent: false });
    await again.crash();
    const back = await snClient(gw.port, "again", { persistent: false });
    const d = await snClient(gw.port, "dies", { keepAliveS: 1, will: { topic: "colony/s/will/x", payload: txt("v1") } });
    await d.updateWill("colony/s/will/y", txt("v2"), 1, true);
    // still subscribed and publishing after the update (brokerWills re-opens the connection)
    const got: string[] = [];
    await back.subscribe("colony/s/data", (_t, p) => got.push(new TextDecoder().decode(p)));
    await d.publish("colony/s/data", txt("after-update"), { qos: 1 });
    await waitFor(() => got.length > 0, "a message published after the will update");
    await d.crash();
    await waitFor(() => seen.some((s) => s.startsWith("colony/s/will/y")), "the updated will", 5000);
    await settle(300);
    expect(seen).toEqual(["colony/s/will/y v2 q1"]);
    // published retained: a later subscriber still gets it
    const late = await watch(broker.url, "colony/s/will/#");
    await waitFor(() => late.length > 0, "the retained will");
    expect(late).toEqual(["colony/s/will/y v2 q1 r"]);
  }, 20_000);
});

/** A `colony gateway` in a child process; resolves with its UDP port. */
async function gatewayProcess(brokerUrl: string, extra: string[]): Promise<{ port: number; kill: () => Promise<void> }> {
  const p = spawn(process.execPath, ["bin/colony.js", "gateway", "--udp", "0", "--broker", brokerUrl, ...extra], { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  p.stdout.on("data", (d: Buffer) => (out += d.toString()));
  p.stderr.on("data", (d: Buffer) => (out += d.toString()));
  const exited = new Promise<void>((r) => p.once("exit", () => r()));
  const kill = async () => {
    if (p.exitCode === null && p.signalCode === null) p.kill("SIGKILL");
    await exited;
  };
  cleanups.push(kill);
  await waitFor(() => /udp 127\.0\.0\.1:(\d+)/.test(out) || p.exitCode !== null, "the gateway's listening line", 45_000); // a cold tsx start on a loaded 2-core machine can take longer than 15 s
  const port = Number(/udp 127\.0\.0\.1:(\d+)/.exec(out)?.[1]);
  if (!(port > 0)) throw new Error(`gateway did not start: ${out}`);
  return { port, kill };
}

const brokers: [string, () => Promise<{ url: string; stop: () => Promise<void> } | undefined>][] = [
  ["aedes", async () => EmbeddedBroker.start()],
  [
    "mosquitto",
    async () => {
      if (!mosquittoPath()) return undefined; // throws under CI
      const m = await Mosquitto.start();
      return { url: m.url, stop: () => m.dispose() };
    },
  ],
];

describe.each(brokers)("gateway killed with SIGKILL (%s)", (_name, start) => {
  async function run(flags: string[]): Promise<string[] | undefined> {
    const broker = await start();
    if (!broker) return undefined;
    cleanups.push(() => broker.stop());
    const seen = await watch(broker.url, "colony/s/will/#");
    const gw = await gatewayProcess(broker.url, flags);
    const c = await snClient(gw.port, "orphan", { will: { topic: "colony/s/will/orphan", payload: txt("gateway died"), qos: 1, retain: true } });
    await c.publish("colony/s/will/alive", txt("up"), { qos: 1 });
    await waitFor(() => seen.length > 0, "the client's message through the gateway");
    await gw.kill();
    await settle(1500);
    return seen;
  }

  it("with --broker-wills the broker publishes the client's will", async (ctx) => {
    const seen = await run(["--broker-wills"]);
    if (!seen) return ctx.skip();
    expect(seen).toEqual(["colony/s/will/alive up q1", "colony/s/will/orphan gateway died q1"]);
  }, 30_000);

  it("by default the will dies with the gateway", async (ctx) => {
    const seen = await run([]);
    if (!seen) return ctx.skip();
    expect(seen).toEqual(["colony/s/will/alive up q1"]);
  }, 30_000);
});
