// A node's Transport on the in-process bus. While its link is down, publishes wait in the
// store-and-forward queue and are flushed in order when the link comes back.
import { StoreForwardQueue } from "../queue.ts";
import type { OnMessage, PublishOptions, Transport, TransportOptions, Unsubscribe } from "../transport.ts";
import { validFilter } from "../topics.ts";
import type { InProcessBus, NodeState } from "./bus.ts";

export class InProcessTransport implements Transport {
  readonly name: string;
  readonly queue: StoreForwardQueue;
  private state?: NodeState;

  constructor(
    private readonly bus: InProcessBus,
    private readonly opts: TransportOptions,
  ) {
    this.name = opts.name;
    this.queue = new StoreForwardQueue(opts.name, opts.queueLimit);
  }

  get connected(): boolean {
    return !!this.state?.alive && this.state.linkUp;
  }

  async connect(): Promise<void> {
    this.state = this.bus.attach(this.name, this.opts.will, () => this.flush());
  }

  publish(topic: string, payload: Uint8Array, opts: PublishOptions = {}): Promise<void> {
    try {
      this.publishSync(topic, payload, opts);
      return Promise.resolve();
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /** Same as publish, without a promise: for callers stepping a virtual clock. Throws QueueFullError. */
  publishSync(topic: string, payload: Uint8Array, opts: PublishOptions = {}): void {
    const s = this.live();
    const qos = opts.qos ?? 0;
    const retain = opts.retain ?? false;
    if (!s.linkUp) this.queue.push({ topic, payload, qos, retain });
    else this.bus.route(this.name, topic, payload, qos, retain);
  }

  async subscribe(filter: string, onMessage: OnMessage): Promise<Unsubscribe> {
    if (!validFilter(filter)) throw new RangeError(`invalid topic filter "${filter}"`);
    this.live();
    const sub = { filter, onMessage };
    this.bus.addSubscription(this.name, sub);
    return async () => this.bus.removeSubscription(this.name, sub);
  }

  async close(): Promise<void> {
    if (this.state?.alive) this.bus.detach(this.name);
  }

  private flush(): void {
    for (let m = this.queue.shift(); m; m = this.queue.shift()) this.bus.route(this.name, m.topic, m.payload, m.qos, m.retain);
  }

  private live(): NodeState {
    if (!this.state?.alive) throw new Error(`transport ${this.name}: not connected (call connect() first)`);
    return this.state;
  }
}
