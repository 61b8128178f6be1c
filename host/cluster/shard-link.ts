// A shard's one MQTT connection, carrying every device of the shard: what its agents publish goes
// on to the broker when an agent of another shard subscribes to it (the shards tell each other
// their filters), what the others publish comes in to the local bus, and every slice of virtual
// time ends at a barrier: a shard goes on only once every shard's clock has reached the same time.
// The barrier's messages travel on the same connection as the data, in order, so when shard j's
// sync for t arrives, everything j published before t has arrived too (or was lost: counted).
import mqtt, { type MqttClient } from "mqtt";
import { Priority, topicMatches, type BusMessage, type BusPort, type LocalBus, type VirtualClock } from "../kernel/index.ts";
import type { BusLink } from "../sim/bus-link.ts";
import { decodeBridged, encodeBridged, parseSync, syncTopic, type SyncMessage } from "./wire.ts";

export interface ShardLinkOptions {
  url: string;
  /** names this run's barrier topics, so two clusters on one broker do not mix */
  run: string;
  shard: number;
  shards: number;
}

/** What crossed the brokers for one shard. */
export interface BridgeCounts {
  /** messages this shard published to the broker (one publish reaches every shard that wanted it) */
  published: number;
  /** deliveries other shards wanted from this one (a publish two shards want counts twice) */
  sent: number;
  /** messages that came in from other shards */
  received: number;
  /** messages other shards sent to this one that never arrived */
  lost: number;
  /** arrived after their publish time on this shard's clock (delivered at once, so late by that much) */
  late: number;
  lateMaxMs: number;
  lateMeanMs: number;
  /** barriers passed, and the wall time spent waiting at them */
  syncs: number;
  waitMs: number;
}

export class ShardLink implements BusLink {
  private local?: LocalBus;
  private clock?: VirtualClock;
  /** local filters, with how many local subscribers each has */
  private filters = new Map<string, number>();
  private filtersChanged = true;
  /** the filters each other shard's agents subscribe to */
  private remote: string[][];
  private targetsByTopic = new Map<string, number[]>();
  private sentTo: number[];
  private receivedFrom: number[];
  private lastSync: (SyncMessage | undefined)[];
  private waiter?: { t: number; resolve: () => void; reject: (e: Error) => void };
  /** why the connection ended, when it ended before close() */
  private lost?: Error;
  private closing = false;
  private published = 0;
  private late = 0;
  private lateSum = 0;
  private lateMax = 0;
  private syncs = 0;
  private waitMs = 0;
  /** wall time (performance.now) when the start barrier released and when the last one did */
  startedAt = 0;
  lastSyncAt = 0;

  private constructor(
    private readonly client: MqttClient,
    private readonly o: ShardLinkOptions,
  ) {
    this.remote = Array.from({ length: o.shards }, () => []);
    this.sentTo = new Array<number>(o.shards).fill(0);
    this.receivedFrom = new Array<number>(o.shards).fill(0);
    this.lastSync = new Array<SyncMessage | undefined>(o.shards).fill(undefined);
    client.on("message", (topic, payload) => this.onMessage(topic, payload));
    // without its connection the shard would wait at the next barrier for ever: fail instead
    client.on("close", () => {
      if (this.closing || this.lost) return;
      this.lost = new Error(`shard ${o.shard} lost its connection to ${o.url}`);
      this.waiter?.reject(this.lost);
      this.waiter = undefined;
    });
  }

  /** Connects and listens to the other shards' barrier messages (before any of them can be sent). */
  static async connect(o: ShardLinkOptions): Promise<ShardLink> {
    if (o.shards > 255) throw new RangeError(`at most 255 shards (got ${o.shards})`);
    // keepalive 0: installing 75,000 agents holds the event loop for minutes, and a broker that
    // heard nothing for 1.5 keep-alives would drop the connection; a shard that dies is seen by its parent
    const client = await mqtt.connectAsync(o.url, { clientId: `colony-${o.run}-shard-${o.shard}`, protocolVersion: 5, clean: true, keepalive: 0, reconnectPeriod: 0, log: () => undefined });
    (client.stream as { setNoDelay?: (b: boolean) => void }).setNoDelay?.(true);
    const link = new ShardLink(client, o);
    await client.subscribeAsync(syncTopic(o.run, "+"), { qos: 0, nl: true });
    return link;
  }

  attach(bus: LocalBus, clock: VirtualClock): BusPort {
    this.local = bus;
    this.clock = clock;
    return {
      publish: (msg) => {
        bus.publish(msg);
        const to = this.targets(msg.topic);
        if (to.length === 0) return;
        this.client.publish(msg.topic, encodeBridged(this.o.shard, msg), { qos: 0 });
        this.published++;
        for (const j of to) this.sentTo[j]!++;
      },
      subscribe: (filter, deliver) => {
        const off = bus.subscribe(filter, deliver);
        const n = this.filters.get(filter) ?? 0;
        this.filters.set(filter, n + 1);
        if (n === 0) {
          // no local echo: this shard's own publishes were delivered on its bus already
          this.client.subscribe(filter, { qos: 0, nl: true });
          this.filtersChanged = true;
        }
        return () => {
          off();
          const left = (this.filters.get(filter) ?? 1) - 1;
          if (left > 0) this.filters.set(filter, left);
          else {
            this.filters.delete(filter);
            this.client.unsubscribe(filter);
            this.filtersChanged = true;
          }
        };
      },
    };
  }

  async sync(t: number): Promise<void> {
    if (this.lost) throw this.lost;
    const msg: SyncMessage = { t, sent: this.sentTo, ...(this.filtersChanged ? { filters: [...this.filters.keys()] } : {}) };
    this.filtersChanged = false;
    this.client.publish(syncTopic(this.o.run, this.o.shard), JSON.stringify(msg), { qos: 0 });
    const waited = performance.now();
    if (!this.allAt(t)) await new Promise<void>((resolve, reject) => (this.waiter = { t, resolve, reject }));
    const now = performance.now();
    this.waitMs += now - waited;
    this.syncs++;
    if (t === 0) this.startedAt = now;
    this.lastSyncAt = now;
  }

  counts(): BridgeCounts {
    let lost = 0;
    this.lastSync.forEach((s, i) => {
      if (s && i !== this.o.shard) lost += Math.max(0, (s.sent[this.o.shard] ?? 0) - this.receivedFrom[i]!);
    });
    return {
      published: this.published,
      sent: this.sentTo.reduce((a, b) => a + b, 0),
      received: this.receivedFrom.reduce((a, b) => a + b, 0),
      lost,
      late: this.late,
      lateMaxMs: +this.lateMax.toFixed(3),
      lateMeanMs: this.late ? +(this.lateSum / this.late).toFixed(3) : 0,
      syncs: this.syncs,
      waitMs: Math.round(this.waitMs),
    };
  }

  async close(): Promise<void> {
    this.closing = true;
    await this.client.endAsync();
  }

  /** The other shards that want a message on `topic`. */
  private targets(topic: string): number[] {
    let to = this.targetsByTopic.get(topic);
    if (!to) {
      to = [];
      for (let j = 0; j < this.o.shards; j++) if (j !== this.o.shard && this.remote[j]!.some((f) => topicMatches(f, topic))) to.push(j);
      this.targetsByTopic.set(topic, to);
    }
    return to;
  }

  private allAt(t: number): boolean {
    return this.lastSync.every((s, i) => i === this.o.shard || (s !== undefined && s.t >= t));
  }

  private onMessage(topic: string, payload: Buffer): void {
    if (topic.startsWith("colony-cluster/")) return this.onSync(topic, payload);
    const got = decodeBridged(topic, payload);
    if (!got || got.shard === this.o.shard || got.shard >= this.o.shards || !this.local || !this.clock) return;
    this.receivedFrom[got.shard]!++;
    const { msg } = got;
    const now = this.clock.now();
    const sentAt = msg.sentAt ?? now;
    if (now > sentAt) {
      this.late++;
      this.lateSum += now - sentAt;
      this.lateMax = Math.max(this.lateMax, now - sentAt);
    }
    // on this shard's bus as if published here at its publish time (or now, if that has passed)
    const bus = this.local;
    this.clock.at(sentAt, () => bus.publish(msg), Priority.NET);
  }

  private onSync(topic: string, payload: Buffer): void {
    const shard = Number(topic.slice(topic.lastIndexOf("/") + 1));
    const s = parseSync(payload);
    if (!s || !Number.isInteger(shard) || shard < 0 || shard >= this.o.shards || shard === this.o.shard) return;
    this.lastSync[shard] = s;
    if (s.filters) {
      this.remote[shard] = s.filters;
      this.targetsByTopic.clear();
    }
    const w = this.waiter;
    if (w && this.allAt(w.t)) {
      this.waiter = undefined;
      w.resolve();
    }
  }
}
