// The in-process bus: a broker and a network in one object, on a Clock. Nodes attach through
// InProcessTransport. Deliveries go sender -> each subscriber over modelled links; QoS 1 is
// retransmitted until acknowledged (acks can be lost too, so duplicates happen as in MQTT).
import { Priority, type Clock } from "../../kernel/scheduler.ts";
import { levelsMatch } from "../topics.ts";
import type { MessageInfo, OnMessage, QoS, Will } from "../transport.ts";
import { checkModel, PERFECT_NETWORK, prng, type NetworkModel } from "./network.ts";

interface Subscription {
  filter: string;
  onMessage: OnMessage;
  /** The filter split once, at subscribe time. */
  levels?: string[];
}

function matches(sub: Subscription, topicLevels: string[]): boolean {
  sub.levels ??= sub.filter.split("/");
  return levelsMatch(sub.levels, topicLevels);
}

/** Bus-side state of one attached node. */
export interface NodeState {
  name: string;
  /** Attached and not crashed or closed. */
  alive: boolean;
  /** Its link to the network is up. */
  linkUp: boolean;
  subs: Subscription[];
  will?: Will;
  /** Clock handle of the pending "lost" timer while the link is down. */
  lostTimer?: number;
  /** Called when the link comes back (flush the store-and-forward queue). */
  onLinkUp?: () => void;
  /** Generation: bumps on each attach, so deliveries to a dead incarnation are dropped. */
  gen: number;
}

export interface BusStats {
  sent: number;
  delivered: number;
  lost: number;
  duplicated: number;
  retransmitted: number;
}

export class InProcessBus {
  readonly model: NetworkModel;
  readonly stats: BusStats = { sent: 0, delivered: 0, lost: 0, duplicated: 0, retransmitted: 0 };
  private nodes = new Map<string, NodeState>();
  private retained = new Map<string, Uint8Array>();
  private blocked = new Set<string>();
  private rand: () => number;

  constructor(
    readonly clock: Clock,
    model: Partial<NetworkModel> = {},
    seed = 1,
  ) {
    this.model = checkModel({ ...PERFECT_NETWORK, ...model });
    this.rand = prng(seed);
  }

  /** Attach (or re-attach after a crash) a node by name. */
  attach(name: string, will: Will | undefined, onLinkUp: () => void): NodeState {
    const prev = this.nodes.get(name);
    if (prev?.alive) throw new Error(`in-process bus: node "${name}" is already connected`);
    const n: NodeState = { name, alive: true, linkUp: true, subs: [], will, onLinkUp, gen: (prev?.gen ?? 0) + 1 };
    this.nodes.set(name, n);
    return n;
  }

  /** A clean close: will discarded, subscriptions gone. */
  detach(name: string): void {
    const n = this.nodes.get(name);
    if (!n) return;
    n.alive = false;
    n.subs = [];
    if (n.lostTimer !== undefined) this.clock.cancel(n.lostTimer);
  }

  /** The node's process dies: its will is published, its subscriptions are gone. */
  crash(name: string): void {
    const n = this.node(name);
    if (!n.alive) return;
    this.detach(name);
    this.publishWill(n);
  }

  /** Take a node's link down or up. Down long enough (keepAlive), the node is declared lost. */
  setLink(name: string, up: boolean): void {
    const n = this.node(name);
    if (n.linkUp === up) return;
    n.linkUp = up;
    if (!up) {
      n.lostTimer = this.clock.after(this.model.keepAlive * 1.5, () => {
        n.lostTimer = undefined;
        this.publishWill(n);
      }, Priority.NET);
    } else {
      if (n.lostTimer !== undefined) this.clock.cancel(n.lostTimer);
      n.lostTimer = undefined;
      n.onLinkUp?.();
    }
  }

  /** Nothing passes between any node of `a` and any node of `b` until heal(). */
  partition(a: readonly string[], b: readonly string[]): void {
    for (const x of a) for (const y of b) {
      this.blocked.add(`${x}\u0000${y}`);
      this.blocked.add(`${y}\u0000${x}`);
    }
  }

  heal(): void {
    this.blocked.clear();
  }

  isLinkUp(name: string): boolean {
    return this.nodes.get(name)?.linkUp ?? false;
  }

  /** Route a publish from `from` (whose link is up) to every matching subscriber. */
  route(from: string, topic: string, payload: Uint8Array, qos: QoS, retain: boolean): void {
    this.stats.sent++;
    if (retain) {
      if (payload.length === 0) this.retained.delete(topic);
      else this.retained.set(topic, payload);
    }
    const levels = topic.split("/");
    for (const n of this.nodes.values()) {
      if (!n.alive || !n.subs.some((s) => matches(s, levels))) continue;
      this.deliver(from, n, n.gen, topic, levels, payload, qos, false);
    }
  }

  addSubscription(name: string, sub: Subscription): void {
    const n = this.node(name);
    n.subs.push(sub);
    const gen = n.gen;
    // Retained messages come from the broker side: they arrive after one latency, partitions aside.
    for (const [topic, payload] of this.retained) {
      if (!matches(sub, topic.split("/"))) continue;
      this.clock.after(this.model.latency, () => {
        if (n.gen === gen && n.alive && n.subs.includes(sub)) this.call(sub, topic, payload, { retained: true });
      }, Priority.NET);
    }
  }

  removeSubscription(name: string, sub: Subscription): void {
    const n = this.nodes.get(name);
    if (n) n.subs = n.subs.filter((s) => s !== sub);
  }

  private deliver(from: string, to: NodeState, gen: number, topic: string, levels: string[], payload: Uint8Array, qos: QoS, retry: boolean): void {
    if (retry) this.stats.retransmitted++;
    const gone = () => to.gen !== gen || !to.alive;
    if (gone()) return;
    const blocked = this.blocked.has(`${from}\u0000${to.name}`) || !to.linkUp;
    if (blocked || this.rand() < this.model.loss) {
      this.stats.lost++;
      if (qos === 1) this.clock.after(this.model.retry, () => this.deliver(from, to, gen, topic, levels, payload, qos, true), Priority.NET);
      return;
    }
    const arrive = () => {
      if (gone() || !to.linkUp) return;
      this.stats.delivered++;
      for (const s of to.subs) if (matches(s, levels)) this.call(s, topic, payload, { retained: false });
    };
    this.clock.after(this.delay(), arrive, Priority.NET);
    if (this.rand() < this.model.duplicate) {
      this.stats.duplicated++;
      this.clock.after(this.delay(), arrive, Priority.NET);
    }
    // A lost acknowledgement makes the sender send it again: at-least-once, as MQTT QoS 1.
    if (qos === 1 && this.rand() < this.model.loss)
      this.clock.after(this.model.retry, () => this.deliver(from, to, gen, topic, levels, payload, qos, true), Priority.NET);
  }

  private delay(): number {
    const m = this.model;
    let d = m.latency + this.rand() * m.jitter;
    if (m.reorder > 0 && this.rand() < m.reorder) d += m.reorderDelay;
    return d;
  }

  private call(sub: Subscription, topic: string, payload: Uint8Array, info: MessageInfo): void {
    // A subscriber that throws must not break delivery to the others.
    try {
      sub.onMessage(topic, payload, info);
    } catch (e) {
      console.error(`in-process bus: subscriber of ${sub.filter} threw on ${topic}: ${(e as Error).message}`);
    }
  }

  private publishWill(n: NodeState): void {
    const w = n.will;
    if (!w) return;
    n.will = undefined;
    this.route("$broker", w.topic, w.payload, w.qos ?? 0, w.retain ?? false);
  }

  private node(name: string): NodeState {
    const n = this.nodes.get(name);
    if (!n) throw new Error(`in-process bus: no node "${name}"`);
    return n;
  }
}
