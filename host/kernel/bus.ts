// What a device needs from the network, and the in-process implementation the
// simulator uses on its virtual clock. Topics on the wire are absolute
// (`colony/<site>/<relative>`); agents see them relative to their site.
import { Priority, type Clock } from "./scheduler.ts";
import { topicMatches } from "./manifest.ts";

export interface BusMessage {
  topic: string;
  /** device/agent that published */
  from: string;
  body: Uint8Array;
  qos: number;
  /** when it was published (sender's clock, ms), for latency figures */
  sentAt?: number;
}

export interface BusPort {
  publish(msg: BusMessage): void;
  /** Returns an unsubscribe function. */
  subscribe(filter: string, deliver: (msg: BusMessage) => void): () => void;
}

export function siteTopic(site: string, relative: string): string {
  return `colony/${site}/${relative}`;
}

interface Subscription {
  filter: string;
  deliver: (msg: BusMessage) => void;
}

/** Delivers every publish to matching subscribers after `latencyMs`, on the clock. */
export class LocalBus implements BusPort {
  // exact filters by topic; only filters with wildcards are matched one by one. Sets, not
  // arrays: a fleet's ten thousand subscribers to one topic come and go in O(1) each.
  private exact = new Map<string, Set<Subscription>>();
  private wild = new Set<Subscription>();
  delivered = 0;
  published = 0;
  constructor(
    private readonly clock: Clock,
    private readonly latencyMs = 1,
  ) {}

  publish(msg: BusMessage): void {
    this.published++;
    // the subscribers as of the publish, all reached by one clock event (in subscription order):
    // a cfp to ten thousand bidders is one entry in the clock's heap, not ten thousand
    const targets: Subscription[] = [];
    const exact = this.exact.get(msg.topic);
    if (exact) for (const s of exact) targets.push(s);
    for (const s of this.wild) if (topicMatches(s.filter, msg.topic)) targets.push(s);
    if (targets.length === 0) return;
    this.clock.after(
      this.latencyMs,
      () => {
        for (const s of targets) {
          this.delivered++;
          s.deliver(msg);
        }
      },
      Priority.NET,
    );
  }

  subscribe(filter: string, deliver: (msg: BusMessage) => void): () => void {
    const sub = { filter, deliver };
    const wild = /[+#]/.test(filter);
    if (wild) this.wild.add(sub);
    else {
      let set = this.exact.get(filter);
      if (!set) this.exact.set(filter, (set = new Set()));
      set.add(sub);
    }
    return () => {
      if (wild) this.wild.delete(sub);
      else this.exact.get(filter)?.delete(sub);
    };
  }
}
