// Harnesses that run the conformance suite (and other tests) on each transport.
import { VirtualClock } from "../../host/kernel/scheduler.ts";
import { EmbeddedBroker } from "../../host/net/broker.ts";
import { InProcessBus, InProcessTransport, type NetworkModel } from "../../host/net/inproc/index.ts";
import { MqttTransport } from "../../host/net/mqtt/index.ts";
import type { Transport } from "../../host/net/transport.ts";
import type { Harness } from "./transport.conformance.ts";
import { Mosquitto } from "./mosquitto.ts";

export async function realSettle(until: () => boolean, maxMs = 5000): Promise<void> {
  const end = Date.now() + maxMs;
  while (!until() && Date.now() < end) await new Promise((r) => setTimeout(r, 5));
}

export async function waitFor(until: () => boolean, what: string, maxMs = 5000): Promise<void> {
  await realSettle(until, maxMs);
  if (!until()) throw new Error(`timed out after ${maxMs} ms waiting for ${what}`);
}

export function inProcessHarness(model: Partial<NetworkModel> = {}, seed = 1): Harness {
  const clock = new VirtualClock();
  const bus = new InProcessBus(clock, model, seed);
  return {
    make: (o) => new InProcessTransport(bus, o),
    async settle(until, maxMs = 5000) {
      const end = clock.now() + maxMs;
      while (!until() && clock.now() < end) {
        clock.runUntil(clock.now() + 1);
        await Promise.resolve();
      }
    },
    async crash(t) {
      bus.crash(t.name);
    },
    async outage(t, during) {
      bus.setLink(t.name, false);
      await during();
      clock.runUntil(clock.now() + 100);
      bus.setLink(t.name, true);
    },
    async dispose() {},
  };
}

interface Restartable {
  url: string;
  restart(downMs?: number): Promise<void>;
  stop(): Promise<void>;
}

function mqttHarness(server: Restartable, dispose: () => Promise<void>, restartBroker: (during: () => Promise<void>) => Promise<void>): Harness {
  return {
    make: (o) => new MqttTransport({ ...o, url: server.url, reconnectMs: 100 }),
    settle: realSettle,
    async crash(t) {
      await (t as MqttTransport).crash();
    },
    async outage(t: Transport, during) {
      await restartBroker(async () => {
        await waitFor(() => !t.connected, "the client to see the broker gone");
        await during();
      });
      await waitFor(() => t.connected, "the client to reconnect", 10_000);
    },
    dispose,
  };
}

export async function aedesHarness(): Promise<Harness> {
  const broker = await EmbeddedBroker.start();
  return mqttHarness(broker, () => broker.stop(), async (during) => {
    const port = broker.port;
    await broker.stop();
    await during();
    await broker.restart();
    if (broker.port !== port) throw new Error("broker came back on another port");
  });
}

export async function mosquittoHarness(): Promise<Harness> {
  const m = await Mosquitto.start();
  return mqttHarness(m, () => m.dispose(), async (during) => {
    await m.stop();
    await during();
    await m.restart();
  });
}

import { MqttSnGateway } from "../../host/net/mqttsn/gateway.ts";
import { MqttSnClient } from "../../host/net/mqttsn/client.ts";

/** MQTT-SN clients through a gateway (short timers) bridging to `broker`. */
export async function mqttsnHarness(kind: "aedes" | "mosquitto"): Promise<Harness> {
  const m = kind === "mosquitto" ? await Mosquitto.start() : undefined;
  const a = kind === "aedes" ? await EmbeddedBroker.start() : undefined;
  const server = (m ?? a)!;
  const gw = new MqttSnGateway({ brokerUrl: server.url, retryMs: 200, maxRetries: 5, sweepMs: 100, log: () => undefined });
  await gw.start();
  return {
    make: (o) => new MqttSnClient({ ...o, gateway: { port: gw.port }, keepAliveS: 1, retryMs: 200, maxRetries: 5, log: () => undefined }),
    settle: realSettle,
    async crash(t) {
      await (t as MqttSnClient).crash();
    },
    async outage(t, during) {
      await server.stop();
      await new Promise((r) => setTimeout(r, 300));
      await during();
      await server.restart();
      await waitFor(() => t.connected && (t as MqttSnClient).queue.length === 0, "the client to flush its held messages", 15_000);
    },
    async dispose() {
      await gw.stop();
      if (m) await m.dispose();
      if (a) await a.stop();
    },
  };
}
