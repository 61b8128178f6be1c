// The little that OTA needs from a transport, so any of host/net's (in-process bus, MQTT,
// MQTT-SN) can carry it through a thin adapter. QoS 1 = at least once: handlers must
// tolerate duplicates; the protocol also survives loss and reordering (it pulls and retries).
export interface PublishOptions {
  readonly qos: 0 | 1;
  readonly retain?: boolean;
}

export type MessageHandler = (topic: string, payload: Uint8Array) => void;
export type Unsubscribe = () => Promise<void>;

export interface OtaTransport {
  publish(topic: string, payload: Uint8Array, options: PublishOptions): Promise<void>;
  /** MQTT filter (`+`, `#`); retained messages on matching topics are delivered first. */
  subscribe(filter: string, handler: MessageHandler): Promise<Unsubscribe>;
}

/** Timers behind an interface so the simulator's virtual clock can drive OTA. */
export interface Timers {
  now(): number;
  after(ms: number, fn: () => void): () => void;
}

export const realTimers: Timers = {
  now: () => Date.now(),
  after(ms, fn) {
    const t = setTimeout(fn, ms);
    return () => clearTimeout(t);
  },
};

/** MQTT topic filter match (MQTT 3.1.1 §4.7): the kernel's. */
export { topicMatches } from "../kernel/manifest.ts";
