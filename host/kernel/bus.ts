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
  private subs: Subscription[] = [];
  delivered = 0;
  published = 0;
  constructor(
    private readonly clock: Clock,
    private readonly latencyMs = 1,
  ) {}

  publish(msg: BusMessage): void {
    this.published++;
    for (const s of this.subs) {
      if (!topicMatches(s.filter, msg.topic)) continue;
      this.clock.after(
        this.latencyMs,
        () => {
          this.delivered++;
          s.deliver(msg);
        },
        Priority.NET,
      );
    }
  }

  subscribe(filter: string, deliver: (msg: BusMessage) => void): () => void {
    const sub = { filter, deliver };
    this.subs.push(sub);
    return () => {
      this.subs = this.subs.filter((s) => s !== sub);
    };
  }
}
