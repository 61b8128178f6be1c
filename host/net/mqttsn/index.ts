export * from "./codec.ts";
export { MqttSnGateway, type GatewayOptions } from "./gateway.ts";
export { MqttSnClient, type MqttSnClientOptions } from "./client.ts";
