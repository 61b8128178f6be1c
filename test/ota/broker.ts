// A real MQTT broker for OTA tests: aedes on a free port of 127.0.0.1.
import { createServer, type AddressInfo } from "node:net";
import { Aedes } from "aedes";
import mqtt, { type MqttClient } from "mqtt";

export interface TestBroker {
  readonly url: string;
  connect(clientId: string): Promise<MqttClient>;
  close(): Promise<void>;
}

export async function startBroker(): Promise<TestBroker> {
  const broker = await Aedes.createBroker();
  const tcp = createServer(broker.handle);
  await new Promise<void>((r) => tcp.listen(0, "127.0.0.1", r));
  const url = `mqtt://127.0.0.1:${(tcp.address() as AddressInfo).port}`;
  const clients: MqttClient[] = [];
  return {
    url,
    async connect(clientId) {
      const c = await mqtt.connectAsync(url, { clientId, reconnectPeriod: 100 });
      clients.push(c);
      return c;
    },
    async close() {
      await Promise.all(clients.map((c) => c.endAsync(true)));
      await new Promise<void>((r) => broker.close(() => r()));
      await new Promise<void>((r) => tcp.close(() => r()));
    },
  };
}
