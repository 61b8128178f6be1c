// OtaTransport over an mqtt.js client: the adapter that runs OTA against any MQTT broker.
import type { MqttClient } from "mqtt";
import { topicMatches, type MessageHandler, type OtaTransport } from "./transport.ts";

export function mqttTransport(client: MqttClient): OtaTransport {
  const handlers = new Set<{ filter: string; handler: MessageHandler }>();
  client.on("message", (topic, payload) => {
    const bytes = new Uint8Array(payload.buffer, payload.byteOffset, payload.byteLength);
    for (const h of handlers) if (topicMatches(h.filter, topic)) h.handler(topic, bytes);
  });
  return {
    publish: async (topic, payload, o) => {
      await client.publishAsync(topic, Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength), { qos: o.qos, retain: o.retain ?? false });
    },
    subscribe: async (filter, handler) => {
      const h = { filter, handler };
      handlers.add(h);
      // mqtt.js does not send a SUBSCRIBE for a filter this connection already holds, so a
      // second handler on one filter does not get the retained messages again: it sees what
      // arrives from now on (OTA's handlers are per filter, so this does not arise today).
      await client.subscribeAsync(filter, { qos: 1 });
      return async () => {
        handlers.delete(h);
        if (![...handlers].some((x) => x.filter === filter) && client.connected) await client.unsubscribeAsync(filter);
      };
    },
  };
}
