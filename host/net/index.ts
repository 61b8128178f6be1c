// The face of host/net: envelope, keys, topics, the Transport interface and its implementations.
export type { Transport, TransportOptions, PublishOptions, QoS, Will, OnMessage, MessageInfo, Unsubscribe } from "./transport.ts";
export { Sealer, Opener, EnvelopeError, signedBytes, ENVELOPE_VERSION, type Envelope, type EnvelopeProblem } from "./envelope.ts";
export { KeyRing, generateDeviceKey, deviceKeyFromSeed, simDeviceSeed, type DeviceKey } from "./keys.ts";
export { siteTopic, topicMatches, validFilter } from "./topics.ts";
export { cborEncode, cborDecode } from "./cbor.ts";
export { StoreForwardQueue, QueueFullError } from "./queue.ts";
export { InProcessBus, InProcessTransport, PERFECT_NETWORK, type NetworkModel, type BusStats } from "./inproc/index.ts";
export { MqttTransport, type MqttTransportOptions } from "./mqtt/index.ts";
export { EmbeddedBroker, type BrokerOptions } from "./broker.ts";
export { MqttSnGateway, MqttSnClient, type GatewayOptions, type MqttSnClientOptions } from "./mqttsn/index.ts";
export { createTransport, type TransportSpec } from "./factory.ts";
export { MqttSnDecodeError } from "./mqttsn/index.ts";
export { SealedInbox } from "./inbox.ts";
export { parse as parseEnvelope } from "./envelope.ts";
