// An in-memory broker with retained messages, and a lossy link in front of a client, for
// tests and for the simulator when no broker runs. Delivery is asynchronous like a network.
import { topicMatches, type MessageHandler, type OtaTransport, type PublishOptions, type Unsubscribe } from "./transport.ts";
import { seededRandom } from "./random.ts";

interface Sub {
  readonly filter: string;
  readonly handler: MessageHandler;
}

export class MemoryBus {
  private readonly subs = new Set<Sub>();
  /** Subscriptions without wildcards, by topic: most of them (one device, one topic). */
  private readonly exact = new Map<string, Set<Sub>>();
  private readonly wild = new Set<Sub>();
  private readonly retained = new Map<string, Uint8Array>();
  /** Messages and bytes published, for figures. */
  messages = 0;
  bytes = 0;

  client(): OtaTransport {
    return {
      publish: async (topic, payload, options) => this.publish(topic, payload, options),
      subscribe: async (filter, handler) => this.subscribe(filter, handler),
    };
  }

  private publish(topic: string, payload: Uint8Array, options: PublishOptions): void {
    this.messages++;
    this.bytes += payload.length + topic.length;
    const copy = new Uint8Array(payload);
    if (options.retain) {
      if (copy.length === 0) this.retained.delete(topic);
      else this.retained.set(topic, copy);
    }
    const deliver = (s: Sub): void => void setImmediate(() => this.subs.has(s) && s.handler(topic, copy));
    for (const s of this.exact.get(topic) ?? []) deliver(s);
    for (const s of this.wild) if (topicMatches(s.filter, topic)) deliver(s);
  }

  private subscribe(filter: string, handler: MessageHandler): Unsubscribe {
    const sub: Sub = { filter, handler };
    this.subs.add(sub);
    const wildcard = filter.includes("+") || filter.includes("#");
    if (wildcard) this.wild.add(sub);
    else {
      let set = this.exact.get(filter);
      if (!set) this.exact.set(filter, (set = new Set()));
      set.add(sub);
    }
    const replay = (topic: string, payload: Uint8Array): void => void setImmediate(() => this.subs.has(sub) && handler(topic, payload));
    if (!wildcard) {
      const payload = this.retained.get(filter);
      if (payload) replay(filter, payload);
    } else for (const [topic, payload] of this.retained) if (topicMatches(filter, topic)) replay(topic, payload);
    return async () => {
      this.subs.delete(sub);
      this.wild.delete(sub);
      const set = this.exact.get(filter);
      set?.delete(sub);
      if (set && set.size === 0) this.exact.delete(filter);
    };
  }
}

export interface LossOptions {
  readonly seed: number;
  /** Probability that a message is lost, duplicated, held back (reordered), or has a byte flipped. */
  readonly drop?: number;
  readonly duplicate?: number;
  readonly reorder?: number;
  readonly corrupt?: number;
  /** Only messages whose topic contains this are affected (e.g. "/chunk/"). */
  readonly only?: string;
}

/** Wraps a client: faults hit both directions (what it publishes and what it receives). */
export function lossyTransport(inner: OtaTransport, o: LossOptions): OtaTransport & { stats: Record<string, number> } {
  const rnd = seededRandom(o.seed);
  const stats = { dropped: 0, duplicated: 0, reordered: 0, corrupted: 0 };
  const affects = (topic: string): boolean => !o.only || topic.includes(o.only);
  // Passes each message through the faults, then to `deliver` (0, 1 or 2 times, maybe later).
  const through = (topic: string, payload: Uint8Array, deliver: (p: Uint8Array) => void): void => {
    if (!affects(topic)) return deliver(payload);
    if (rnd() < (o.drop ?? 0)) {
      stats.dropped++;
      return;
    }
    let p = payload;
    if (rnd() < (o.corrupt ?? 0) && p.length > 0) {
      stats.corrupted++;
      p = new Uint8Array(p);
      p[Math.floor(rnd() * p.length)]! ^= 1 << Math.floor(rnd() * 8);
    }
    const copies = rnd() < (o.duplicate ?? 0) ? 2 : 1;
    if (copies === 2) stats.duplicated++;
    for (let c = 0; c < copies; c++) {
      if (rnd() < (o.reorder ?? 0)) {
        stats.reordered++;
        const q = p;
        setTimeout(() => deliver(q), 1 + Math.floor(rnd() * 5));
      } else deliver(p);
    }
  };
  return {
    stats,
    publish: async (topic, payload, options) => {
      through(topic, payload, (p) => void inner.publish(topic, p, options));
    },
    subscribe: (filter, handler) => inner.subscribe(filter, (topic, payload) => through(topic, payload, (p) => handler(topic, p))),
  };
}
