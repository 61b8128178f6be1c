// The one interface every transport implements (in-process bus, MQTT, MQTT-SN). It carries
// opaque payloads (sealed envelopes) on MQTT topics; test/net/transport.conformance.ts pins it.
export type QoS = 0 | 1;

export interface PublishOptions {
  qos?: QoS;
  retain?: boolean;
}

/** Published by the broker/bus for a client that disappears without close(). */
export interface Will {
  topic: string;
  payload: Uint8Array;
  qos?: QoS;
  retain?: boolean;
}

export interface MessageInfo {
  /** True when delivered from the retained store at subscribe time. */
  retained: boolean;
}

export type OnMessage = (topic: string, payload: Uint8Array, info: MessageInfo) => void;
export type Unsubscribe = () => Promise<void>;

export interface Transport {
  /** Client/node id: unique in the fleet. */
  readonly name: string;
  readonly connected: boolean;
  connect(): Promise<void>;
  /**
   * Resolves once the message is sent (QoS 1: acknowledged) or held in the store-and-forward
   * queue while the link is down. Rejects with QueueFullError when QoS 1 cannot be held.
   */
  publish(topic: string, payload: Uint8Array, opts?: PublishOptions): Promise<void>;
  /** MQTT filter (+, #). Retained messages matching it arrive first. */
  subscribe(filter: string, onMessage: OnMessage): Promise<Unsubscribe>;
  /** A clean close: the will is discarded. */
  close(): Promise<void>;
}

/** Options every transport factory accepts. */
export interface TransportOptions {
  name: string;
  will?: Will;
  /** Store-and-forward bound (messages) while the link is down. */
  queueLimit?: number;
}
