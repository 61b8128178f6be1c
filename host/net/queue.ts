// Store-and-forward while the link is down. Bounded: at QoS 0 the oldest QoS 0 message is
// dropped (and counted) to make room; QoS 1 is never dropped, and when the bound is reached a
// new QoS 1 message is refused with QueueFullError so the caller knows it was not taken.
import type { QoS } from "./transport.ts";

export interface Queued {
  topic: string;
  payload: Uint8Array;
  qos: QoS;
  retain: boolean;
}

export class QueueFullError extends Error {
  constructor(
    readonly device: string,
    readonly limit: number,
    topic: string,
  ) {
    super(`store-and-forward queue of ${device} is full (${limit} messages held at QoS 1); refused QoS 1 publish on ${topic}`);
    this.name = "QueueFullError";
  }
}

export class StoreForwardQueue {
  private items: Queued[] = [];
  /** QoS 0 messages dropped to make room since creation. */
  dropped = 0;
  constructor(
    readonly device: string,
    readonly limit = 1000,
  ) {
    if (limit < 1) throw new RangeError(`queue limit must be >= 1, got ${limit}`);
  }

  get length(): number {
    return this.items.length;
  }

  push(m: Queued): void {
    if (this.items.length < this.limit) {
      this.items.push(m);
      return;
    }
    const oldest0 = this.items.findIndex((x) => x.qos === 0);
    if (oldest0 >= 0) {
      this.items.splice(oldest0, 1);
      this.dropped++;
      this.items.push(m);
      return;
    }
    if (m.qos === 0) {
      this.dropped++;
      return;
    }
    throw new QueueFullError(this.device, this.limit, m.topic);
  }

  /** Put back at the front (a send that failed mid-flush); may exceed the bound by design. */
  unshift(m: Queued): void {
    this.items.unshift(m);
  }

  shift(): Queued | undefined {
    return this.items.shift();
  }
}
