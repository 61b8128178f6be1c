// OtaTransport over host/net's MQTT-SN client: what a constrained (simulated) device uses to
// take part in a rollout through `colony gateway`. The gateway is transparent (one broker
// session per client), so retained jobs and statuses, QoS 1 and the sleep buffer all come
// from the MQTT-SN client and the gateway; this adapter only maps the two interfaces.
import type { MqttSnClient } from "../net/mqttsn/index.ts";
import type { OtaTransport } from "./transport.ts";

export function mqttsnTransport(client: MqttSnClient): OtaTransport {
  return {
    // While the client sleeps or the link is down, the client holds QoS 1 messages in its
    // store-and-forward queue and sends them in order once it is active again.
    publish: (topic, payload, o) => client.publish(topic, payload, { qos: o.qos, retain: o.retain ?? false }),
    // The first SUBSCRIBE of a filter brings the broker's retained messages on it (MQTT 3.1.1
    // §3.8.4) through the gateway (its broker connection does not send a filter it already
    // holds again); the client hands every message to each matching handler.
    subscribe: async (filter, handler) => client.subscribe(filter, (topic, payload) => handler(topic, payload)),
  };
}
