// MQTT through mqtt.js. A persistent session (clean=false, client id = node name) keeps the
// subscriptions and QoS 1 messages at the broker while the node is away; the store-and-forward
// queue holds what the node publishes while its link is down.
import mqtt, { type MqttClient } from "mqtt";
import { StoreForwardQueue } from "../queue.ts";
import { topicMatches, validFilter } from "../topics.ts";
import type { OnMessage, PublishOptions, Transport, TransportOptions, Unsubscribe } from "../transport.ts";

export interface MqttTransportOptions extends TransportOptions {
  /** mqtt://host:port */
  url: string;
  /** Persistent session (default true). */
  persistent?: boolean;
  /** Keep-alive, s (the broker declares us lost after 1.5x and publishes the will). */
  keepAlive?: number;
  /** Reconnect interval, ms. */
  reconnectMs?: number;
}

interface Sub {
  filter: string;
  onMessage: OnMessage;
}

export class MqttTransport implements Transport {
  readonly name: string;
  readonly queue: StoreForwardQueue;
  private client?: MqttClient;
  private subs: Sub[] = [];

  constructor(private readonly opts: MqttTransportOptions) {
    this.name = opts.name;
    this.queue = new StoreForwardQueue(opts.name, opts.queueLimit);
  }

  get connected(): boolean {
    return !!this.client?.connected;
  }

  async connect(): Promise<void> {
    const w = this.opts.will;
    const client = mqtt.connect(this.opts.url, {
      clientId: this.name,
      clean: !(this.opts.persistent ?? true),
      keepalive: this.opts.keepAlive ?? 10,
      reconnectPeriod: this.opts.reconnectMs ?? 250,
      connectTimeout: 5000,
      queueQoSZero: false,
      protocolVersion: 4,
      // mqtt.js formats a debug line per packet unless given a logger (3-6% of a publish)
      log: () => undefined,
      ...(w ? { will: { topic: w.topic, payload: Buffer.from(w.payload), qos: w.qos ?? 0, retain: w.retain ?? false } } : {}),
    });
    this.client = client;
    client.on("message", (topic, payload, packet) => this.dispatch(topic, payload, packet.retain));
    // without TCP_NODELAY a QoS 1 exchange waits on Nagle and delayed ACKs: ~88 ms a round trip on loopback
    client.on("connect", () => {
      (client.stream as { setNoDelay?: (b: boolean) => void }).setNoDelay?.(true);
      this.flush();
    });
    client.on("error", () => {
      // Connection errors surface as reconnects; connect() reports the first one.
    });
    await new Promise<void>((resolve, reject) => {
      const fail = (e: Error) => {
        client.off("connect", ok);
        client.end(true);
        reject(new Error(`MQTT ${this.name}: cannot connect to ${this.opts.url}: ${e.message}`));
      };
      const ok = () => {
        client.off("error", fail);
        resolve();
      };
      client.once("connect", ok);
      client.once("error", fail);
    });
  }

  async publish(topic: string, payload: Uint8Array, opts: PublishOptions = {}): Promise<void> {
    const client = this.live();
    const qos = opts.qos ?? 0;
    const retain = opts.retain ?? false;
    if (!client.connected) {
      this.queue.push({ topic, payload, qos, retain });
      return;
    }
    await client.publishAsync(topic, Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength), { qos, retain });
  }

  async subscribe(filter: string, onMessage: OnMessage): Promise<Unsubscribe> {
    if (!validFilter(filter)) throw new RangeError(`invalid topic filter "${filter}"`);
    const client = this.live();
    const sub = { filter, onMessage };
    this.subs.push(sub);
    const granted = await client.subscribeAsync(filter, { qos: 1 });
    if (granted.some((g) => g.qos === 128)) throw new Error(`MQTT ${this.name}: broker refused subscription to ${filter}`);
    return async () => {
      this.subs = this.subs.filter((s) => s !== sub);
      if (!this.subs.some((s) => s.filter === filter) && this.client?.connected) await this.client.unsubscribeAsync(filter);
    };
  }

  async close(): Promise<void> {
    const c = this.client;
    this.client = undefined;
    if (c) await c.endAsync();
  }

  /** Die without DISCONNECT (the broker publishes the will): for tests and fault injection. */
  async crash(): Promise<void> {
    const c = this.client;
    this.client = undefined;
    if (!c) return;
    c.options.reconnectPeriod = 0;
    c.stream.destroy();
    await c.endAsync(true);
  }

  private flush(): void {
    const c = this.client;
    if (!c) return;
    for (let m = this.queue.shift(); m; m = this.queue.shift()) {
      c.publish(m.topic, Buffer.from(m.payload), { qos: m.qos, retain: m.retain }, (err) => {
        // Only a QoS 0 send can fail here (QoS 1 stays in mqtt.js's store until acknowledged).
        if (err && m.qos === 1) this.queue.unshift(m);
      });
    }
  }

  private dispatch(topic: string, payload: Buffer, retained: boolean): void {
    const bytes = new Uint8Array(payload.buffer, payload.byteOffset, payload.byteLength);
    for (const s of this.subs) {
      if (!topicMatches(s.filter, topic)) continue;
      try {
        s.onMessage(topic, bytes, { retained });
      } catch (e) {
        console.error(`MQTT ${this.name}: subscriber of ${s.filter} threw on ${topic}: ${(e as Error).message}`);
      }
    }
  }

  private live(): MqttClient {
    if (!this.client) throw new Error(`transport ${this.name}: not connected (call connect() first)`);
    return this.client;
  }
}
