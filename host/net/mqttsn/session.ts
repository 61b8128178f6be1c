// The gateway's state for one MQTT-SN client (spec 6.14 client states) and its outgoing
// stream: REGISTER and PUBLISH sent one at a time, each retransmitted every T_RETRY up to
// N_RETRY times (6.13) until acknowledged; then the client is considered lost.
import type { MqttClient } from "mqtt";
import type { Clock } from "../../kernel/scheduler.ts";
import { flags, type Packet, type SnQoS } from "./packets.ts";
import type { Peer } from "./peer.ts";
import { TopicRegistry } from "./registry.ts";

export type ClientState = "connecting" | "active" | "asleep" | "awake" | "lost" | "disconnected";

export interface WillSpec {
  topic: string;
  msg: Uint8Array;
  qos: 0 | 1 | 2;
  retain: boolean;
}

export interface Delivery {
  topic: string;
  payload: Uint8Array;
  qos: 0 | 1 | 2;
  retain: boolean;
}

type Awaited = "REGACK" | "PUBACK" | "PUBREC" | "PUBCOMP";
interface OutItem {
  pkt: Packet;
  awaits?: Awaited;
  msgId: number;
}

export interface SessionHooks {
  clock: Clock;
  send(peer: Peer, p: Packet): void;
  retryMs: number;
  maxRetries: number;
  /** Called when the client stops answering retransmissions. */
  onUnresponsive(s: ClientSession): void;
  /** Resolve the topic of a delivery to an id and type, or undefined if a REGISTER is needed. */
  topicRef(s: ClientSession, topic: string): { id: number; type: 0 | 1 | 2 } | undefined;
  bufferLimit: number;
}

export class ClientSession {
  state: ClientState = "connecting";
  keepAliveMs = 0;
  sleepMs = 0;
  lastHeard: number;
  cleanSession = true;
  will?: WillSpec;
  /** brokerWills: the will the open broker connection was made with. */
  brokerWill?: WillSpec;
  /** Will flag of the CONNECT in progress: true while WILLTOPIC/WILLMSG are awaited. */
  willPending?: "topic" | "msg";
  readonly topics = new TopicRegistry();
  readonly subs = new Map<string, 0 | 1 | 2>();
  /** QoS 2 PUBLISH received, awaiting PUBREL (by msg id). */
  readonly qos2In = new Map<number, { topic: string; data: Uint8Array; retain: boolean }>();
  mqtt?: MqttClient;
  /** Deliveries held while the client sleeps (6.14); the oldest QoS 0 goes first when full. */
  readonly buffered: Delivery[] = [];
  droppedWhileAsleep = 0;
  /** Set while an awake client is being flushed: send PINGRESP when the stream drains. */
  pingrespWhenDrained = false;
  private out: OutItem[] = [];
  private inflight?: { item: OutItem; tries: number; timer: number };
  private nextMsgId = 1;

  constructor(
    readonly clientId: string,
    public peer: Peer,
    private readonly hooks: SessionHooks,
  ) {
    this.lastHeard = hooks.clock.now();
  }

  heard(): void {
    this.lastHeard = this.hooks.clock.now();
  }

  msgId(): number {
    const id = this.nextMsgId;
    this.nextMsgId = id === 0xffff ? 1 : id + 1;
    return id;
  }

  /** Hand a message from the broker to this client: buffer while asleep, else stream it. */
  deliver(d: Delivery): void {
    if (this.state === "asleep" || this.state === "connecting") {
      if (this.buffered.length >= this.hooks.bufferLimit) {
        const i = this.buffered.findIndex((b) => b.qos === 0);
        this.buffered.splice(i >= 0 ? i : 0, 1);
        this.droppedWhileAsleep++;
      }
      this.buffered.push(d);
      return;
    }
    if (this.state !== "active" && this.state !== "awake") return;
    this.enqueue(d);
  }

  /** Move the sleep buffer into the stream (client woke up or reconnected). */
  flushBuffered(): void {
    for (const d of this.buffered.splice(0)) this.enqueue(d);
    this.pump();
  }

  get idle(): boolean {
    return !this.inflight && this.out.length === 0;
  }

  private enqueue(d: Delivery): void {
    let ref = this.hooks.topicRef(this, d.topic);
    if (!ref) {
      const topicId = this.topics.idFor(d.topic);
      const msgId = this.msgId();
      this.out.push({ pkt: { type: "REGISTER", topicId, msgId, topicName: d.topic }, awaits: "REGACK", msgId });
      ref = { id: topicId, type: 0 };
    }
    const qos = d.qos as SnQoS;
    const msgId = qos === 0 ? 0 : this.msgId();
    const pkt: Packet = { type: "PUBLISH", flags: flags({ qos, retain: d.retain, topicIdType: ref.type }), topicId: ref.id, msgId, data: d.payload };
    this.out.push({ pkt, awaits: qos === 1 ? "PUBACK" : qos === 2 ? "PUBREC" : undefined, msgId });
    this.pump();
  }

  /** Send what can be sent: QoS 0 straight through, one acknowledged message at a time. */
  pump(): void {
    while (!this.inflight && this.out.length > 0 && (this.state === "active" || this.state === "awake")) {
      const item = this.out.shift()!;
      this.hooks.send(this.peer, item.pkt);
      if (item.awaits) this.inflight = { item, tries: 1, timer: this.hooks.clock.after(this.hooks.retryMs, () => this.retry()) };
    }
    if (this.idle && this.pingrespWhenDrained) {
      this.pingrespWhenDrained = false;
      this.hooks.send(this.peer, { type: "PINGRESP" });
      if (this.state === "awake") this.state = "asleep";
    }
  }

  /** An acknowledgement arrived: true if it matched the message in flight. */
  acked(kind: Awaited, msgId: number): boolean {
    const f = this.inflight;
    if (!f || f.item.awaits !== kind || f.item.msgId !== msgId) return false;
    this.hooks.clock.cancel(f.timer);
    this.inflight = undefined;
    if (kind === "PUBREC") {
      // QoS 2, second half: PUBREL until PUBCOMP.
      const item: OutItem = { pkt: { type: "PUBREL", msgId }, awaits: "PUBCOMP", msgId };
      this.hooks.send(this.peer, item.pkt);
      this.inflight = { item, tries: 1, timer: this.hooks.clock.after(this.hooks.retryMs, () => this.retry()) };
      return true;
    }
    this.pump();
    return true;
  }

  private retry(): void {
    const f = this.inflight;
    if (!f) return;
    if (f.tries > this.hooks.maxRetries) {
      this.inflight = undefined;
      this.hooks.onUnresponsive(this);
      return;
    }
    f.tries++;
    const p = f.item.pkt;
    this.hooks.send(this.peer, p.type === "PUBLISH" ? { ...p, flags: { ...p.flags, dup: true } } : p);
    f.timer = this.hooks.clock.after(this.hooks.retryMs, () => this.retry());
  }

  /** Stop timers and forget the stream (session ends). */
  dispose(): void {
    if (this.inflight) this.hooks.clock.cancel(this.inflight.timer);
    this.inflight = undefined;
    this.out = [];
  }

  /** Clean session: forget topic ids and subscriptions (6.3). */
  reset(): void {
    this.dispose();
    this.topics.clear();
    this.subs.clear();
    this.qos2In.clear();
    this.buffered.length = 0;
  }
}
