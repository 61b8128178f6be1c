// A rollout from a controller on plain MQTT to devices that speak MQTT-SN through the gateway
// (host/net's MqttSnGateway, i.e. `colony gateway`), on aedes and on Mosquitto. One device
// sleeps through the start of the rollout and completes it after waking.
import { describe, expect, it } from "vitest";
import mqtt from "mqtt";
import { MqttSnClient, MqttSnGateway } from "../../host/net/mqttsn/index.ts";
import { RolloutController, decodeStatus, mqttTransport, mqttsnTransport, otaTopics } from "../../host/ota/index.ts";
import { counterBundle } from "./fixtures.ts";
import { startBroker } from "./broker.ts";
import { startFleet, stopFleet } from "./fleet.ts";
import { Mosquitto, mosquittoPath } from "../net/mosquitto.ts";

interface Broker {
  readonly url: string;
  close(): Promise<void>;
}

const brokers: [string, () => Promise<Broker>][] = [["aedes", startBroker]];
// Under CI a missing mosquitto throws here (a failure, not a skip).
if (mosquittoPath())
  brokers.push([
    "mosquitto",
    async () => {
      const m = await Mosquitto.start();
      return { url: m.url, close: () => m.dispose() };
    },
  ]);

const waitFor = async (cond: () => boolean, what: string, ms = 20_000): Promise<void> => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
};

describe.each(brokers)("rollout to MQTT-SN devices through the gateway (%s)", (_name, start) => {
  it("devices behind the gateway install and report; a sleeping device completes after waking", async () => {
    const broker = await start();
    const gw = new MqttSnGateway({ brokerUrl: broker.url, retryMs: 300, maxRetries: 5, sweepMs: 100, log: () => undefined });
    await gw.start();
    const clients = new Map<string, MqttSnClient>();
    const jobs: string[] = [];
    const controllerLink = await mqtt.connectAsync(broker.url, { clientId: "controller", reconnectPeriod: 100 });
    const watcherLink = await mqtt.connectAsync(broker.url, { clientId: "watcher", reconnectPeriod: 100 });
    const fleet = await startFleet({
      count: 4,
      groups: () => ["sensors"],
      retryMs: 200,
      transport: async (id) => {
        // The sleeper keeps no broker session across its CONNECTs: its job is retained, so a
        // clean session loses nothing (and the gateway's re-subscribe of a kept session is refused
        // today, see the report on host/net/mqttsn/gateway.ts brokerSubscribe).
        const c = new MqttSnClient({ name: id, gateway: { port: gw.port }, retryMs: 300, maxRetries: 5, keepAliveS: 120, persistent: id !== "dev-0000", log: () => undefined });
        await c.connect();
        clients.set(id, c);
        const t = mqttsnTransport(c);
        // Counts what reaches the device on its job topic.
        return { ...t, subscribe: (f, h) => t.subscribe(f, (topic, p) => (topic.includes("/job/") && jobs.push(id), h(topic, p))) };
      },
    });
    try {
      // dev-0000 (the canary: devices are sorted by id) goes to sleep before the rollout starts.
      const sleeper = clients.get("dev-0000")!;
      await sleeper.sleep(300);
      const seen = new Map<string, string>();
      const watcher = mqttTransport(watcherLink);
      await watcher.subscribe(otaTopics("plant-1").statusAll, (_t, p) => {
        const s = decodeStatus(p);
        seen.set(s.device, s.phase);
      });
      const ctl = await RolloutController.create(mqttTransport(controllerLink), "plant-1", counterBundle("2.0.0", { size: 2048 }), { target: "group:sensors", canaryPercent: 25, haltOnPercent: 50, waves: 1 }, { waveTimeoutMs: 60_000, settleMs: 100 });
      expect(ctl.progress().record.waves[0]).toEqual(["dev-0000"]);
      const done = ctl.run();
      // The job is retained on the broker and buffered by the gateway; the sleeper does nothing yet.
      await new Promise((r) => setTimeout(r, 1000));
      expect(seen.has("dev-0000")).toBe(false);
      expect(fleet[0]!.slots.version).toBe("1.0.0");
      // Waking (PINGREQ with its client id) delivers the buffered job; the device then stays
      // awake (CONNECT) until its download and install are done.
      await sleeper.wake();
      expect(jobs.filter((d) => d === "dev-0000").length).toBe(1); // the job the gateway buffered while the device slept
      await sleeper.connect();
      const r = await done;
      expect(r.state).toBe("done");
      expect(fleet.map((d) => d.slots.version)).toEqual(Array(4).fill("2.0.0"));
      fleet.forEach((d, i) => expect(d.state()).toBe(i)); // state handed over
      await waitFor(() => [...seen.values()].filter((p) => p === "committed").length === 4, "four retained committed statuses");
      for (const d of fleet) expect(ctl.progress().statuses.get(d.id)?.phase).toBe("committed");
    } finally {
      await stopFleet(fleet);
      for (const c of clients.values()) await c.close();
      await controllerLink.endAsync(true);
      await watcherLink.endAsync(true);
      await gw.stop();
      await broker.close();
    }
  }, 60_000);
});
