export { MqttTransport, type MqttTransportOptions } from "./transport.ts";
export { qos0Publish } from "./publish-packet.ts";
