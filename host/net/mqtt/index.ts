export { MqttTransport, type MqttTransportOptions } from "./transport.ts";
