// A host-side MQTT-SN v1.2 client over UDP (what the simulator's constrained devices use),
// implementing Transport. One request in flight at a time (6.13), each retransmitted every
// T_RETRY up to N_RETRY times. QoS 1 refused with "congestion" (the gateway's broker is away)
// or unanswered goes to the store-and-forward queue and is retried, reconnecting if needed.
import { createSocket, type Socket } from "node:dgram";
import { StoreForwardQueue, type Queued } from "../queue.ts";
import { topicMatches, validFilter } from "../topics.ts";
import type { OnMessage, PublishOptions, Transport, TransportOptions, Unsubscribe } from "../transport.ts";
import { decode, MqttSnDecodeError } from "./decode.ts";
import { encode } from "./encode.ts";
import { flags, ReturnCode, shortTopicId, shortTopicName, TopicIdType, type Packet, type SnQoS } from "./packets.ts";

export interface MqttSnClientOptions extends TransportOptions {
  gateway: { host?: string; port: number };
  /** Keep-alive duration in CONNECT, s. */
  keepAliveS?: number;
  /** Keep broker-side state across reconnects (CleanSession=0). Default true for store-and-forward. */
  persistent?: boolean;
  retryMs?: number;
  maxRetries?: number;
  /** Predefined topic ids agreed with the gateway. */
  predefined?: Record<number, string>;
  log?: (line: string) => void;
}

/** How a topic is named on the wire. */
export type TopicRef = { name: string } | { predefined: number } | { short: string };

class LinkDown extends Error {}

interface Waiter {
  match: (p: Packet) => boolean;
  resolve: (p: Packet) => void;
  fail: (e: Error) => void;
}

interface Sub {
  filter: string;
  onMessage: OnMessage;
}

export class MqttSnClient implements Transport {
  readonly name: string;
  readonly queue: StoreForwardQueue;
  /** "congested": the gateway answered but cannot reach its broker; "lost": no answer at all. */
  state: "disconnected" | "active" | "asleep" | "congested" | "lost" = "disconnected";
  private sock?: Socket;
  private waiter?: Waiter;
  private chain: Promise<unknown> = Promise.resolve();
  private topics = new Map<string, number>();
  private topicNames = new Map<number, string>();
  private subs: Sub[] = [];
  private qos2In = new Set<number>();
  private nextMsgId = 1;
  /** Operations queued on the serial chain (requests in flight or waiting). */
  private pending = 0;
  private pingTimer?: NodeJS.Timeout;
  private recovery?: NodeJS.Timeout;
  private readonly host: string;
  private readonly retryMs: number;
  private readonly maxRetries: number;

  constructor(private readonly opts: MqttSnClientOptions) {
    this.name = opts.name;
    this.queue = new StoreForwardQueue(opts.name, opts.queueLimit);
    this.host = opts.gateway.host ?? "127.0.0.1";
    this.retryMs = opts.retryMs ?? 10_000;
    this.maxRetries = opts.maxRetries ?? 3;
  }

  get connected(): boolean {
    return this.state === "active";
  }

  /** SEARCHGW on loopback: the first GWINFO wins. */
  static async searchGateway(port: number, host = "127.0.0.1", timeoutMs = 5000): Promise<{ gwId: number; host: string; port: number }> {
    const sock = createSocket("udp4");
    try {
      return await new Promise((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`no GWINFO from ${host}:${port} within ${timeoutMs} ms`)), timeoutMs);
        sock.on("message", (m, r) => {
          try {
            const p = decode(new Uint8Array(m));
            if (p.type === "GWINFO") {
              clearTimeout(t);
              resolve({ gwId: p.gwId, host: r.address, port: r.port });
            }
          } catch {
            // not for us
          }
        });
        sock.send(encode({ type: "SEARCHGW", radius: 1 }), port, host);
      });
    } finally {
      sock.close();
    }
  }

  async connect(): Promise<void> {
    if (!this.sock) {
      const sock = createSocket({ type: "udp4", recvBufferSize: 1 << 20 });
      sock.on("message", (m) => this.onDatagram(new Uint8Array(m.buffer, m.byteOffset, m.byteLength)));
      sock.on("error", (e) => this.log(`UDP error: ${e.message}`));
      await new Promise<void>((r) => sock.bind(0, "127.0.0.1", () => r()));
      // A connected UDP socket: no address lookup per send, and only the gateway's datagrams arrive.
      await new Promise<void>((r) => sock.connect(this.opts.gateway.port, this.host, () => r()));
      this.sock = sock;
    }
    await this.serial(() => this.doConnect());
  }

  private async doConnect(): Promise<void> {
    const w = this.opts.will;
    this.topics.clear();
    this.topicNames.clear();
    const connect: Packet = {
      type: "CONNECT",
      flags: flags({ will: !!w, cleanSession: !(this.opts.persistent ?? true) }),
      protocolId: 1,
      duration: this.opts.keepAliveS ?? 60,
      clientId: this.name,
    };
    let out: Packet = connect;
    for (;;) {
      const r = await this.request(out, (p) => p.type === "CONNACK" || p.type === "WILLTOPICREQ" || p.type === "WILLMSGREQ");
      if (r.type === "WILLTOPICREQ" && w) out = { type: "WILLTOPIC", flags: flags({ qos: w.qos ?? 0, retain: w.retain ?? false }), topic: w.topic };
      else if (r.type === "WILLMSGREQ" && w) out = { type: "WILLMSG", msg: w.payload };
      else if (r.type === "CONNACK") {
        if (r.returnCode !== ReturnCode.ACCEPTED) throw new Error(`MQTT-SN ${this.name}: CONNECT refused with return code ${r.returnCode}`);
        break;
      } else throw new Error(`MQTT-SN ${this.name}: unexpected ${r.type} during CONNECT`);
    }
    this.state = "active";
    this.startPing();
    // Re-subscribe: the gateway may have forgotten us (lost, or restarted).
    for (const f of new Set(this.subs.map((s) => s.filter))) await this.doSubscribe({ name: f }, 1);
  }

  publish(topic: string, payload: Uint8Array, opts: PublishOptions = {}): Promise<void> {
    const m: Queued = { topic, payload, qos: opts.qos ?? 0, retain: opts.retain ?? false };
    if (this.state !== "active" || this.queue.length > 0) {
      this.queue.push(m); // keeps order behind what is already held
      this.scheduleRecovery();
      return Promise.resolve();
    }
    // Fast path: QoS 0 on a registered topic with nothing queued before it needs no round trip.
    const id = m.qos === 0 && this.pending === 0 ? this.topics.get(topic) : undefined;
    if (id !== undefined) {
      this.send({ type: "PUBLISH", flags: flags({ qos: 0, retain: m.retain }), topicId: id, msgId: 0, data: payload });
      return Promise.resolve();
    }
    return this.serial(() => this.sendHeld(m));
  }

  /** The whole MQTT-SN publish: any topic form, QoS -1 to 2. */
  publishTo(ref: TopicRef, data: Uint8Array, qos: SnQoS, retain = false): Promise<void> {
    if (qos === -1) {
      const [type, id] = this.refId(ref);
      if (type === TopicIdType.NORMAL) return Promise.reject(new RangeError("QoS -1 needs a predefined or short topic"));
      this.send({ type: "PUBLISH", flags: flags({ qos: -1, retain, topicIdType: type }), topicId: id, msgId: 0, data });
      return Promise.resolve();
    }
    return this.serial(() => this.doPublish(ref, data, qos, retain));
  }

  private async sendHeld(m: Queued): Promise<void> {
    if (this.state !== "active" || this.queue.length > 0) {
      this.queue.push(m);
      this.scheduleRecovery();
      return;
    }
    try {
      await this.doPublish({ name: m.topic }, m.payload, m.qos, m.retain);
    } catch (e) {
      if (!(e instanceof LinkDown)) throw e;
      this.queue.unshift(m);
      this.scheduleRecovery();
    }
  }

  private async doPublish(ref: TopicRef, data: Uint8Array, qos: 0 | 1 | 2, retain: boolean): Promise<void> {
    const [type, topicId] = "name" in ref ? [TopicIdType.NORMAL, await this.register(ref.name)] : this.refId(ref);
    const msgId = qos === 0 ? 0 : this.msgId();
    const pub: Packet = { type: "PUBLISH", flags: flags({ qos, retain, topicIdType: type }), topicId, msgId, data };
    if (qos === 0) return this.send(pub);
    if (qos === 1) {
      const ack = await this.request(pub, (p) => p.type === "PUBACK" && p.msgId === msgId);
      if (ack.type !== "PUBACK") return;
      if (ack.returnCode === ReturnCode.CONGESTION) {
        this.state = "congested"; // the gateway cannot reach its broker: hold and retry later
        throw new LinkDown("congestion");
      }
      if (ack.returnCode === ReturnCode.INVALID_TOPIC_ID && "name" in ref) {
        this.topics.delete(ref.name);
        return this.doPublish(ref, data, qos, retain);
      }
      if (ack.returnCode !== ReturnCode.ACCEPTED) throw new Error(`MQTT-SN ${this.name}: PUBLISH on ${JSON.stringify(ref)} refused with return code ${ack.returnCode}`);
      return;
    }
    const rec = await this.request(pub, (p) => (p.type === "PUBREC" || p.type === "PUBACK") && p.msgId === msgId);
    if (rec.type === "PUBACK") throw new Error(`MQTT-SN ${this.name}: QoS 2 PUBLISH refused with return code ${rec.returnCode}`);
    await this.request({ type: "PUBREL", msgId }, (p) => p.type === "PUBCOMP" && p.msgId === msgId);
  }

  private refId(ref: TopicRef): [0 | 1 | 2, number] {
    if ("predefined" in ref) return [TopicIdType.PREDEFINED, ref.predefined];
    if ("short" in ref) return [TopicIdType.SHORT, shortTopicId(ref.short)];
    const id = this.topics.get(ref.name);
    if (id === undefined) throw new Error(`topic ${ref.name} is not registered`);
    return [TopicIdType.NORMAL, id];
  }

  private async register(name: string): Promise<number> {
    const known = this.topics.get(name);
    if (known !== undefined) return known;
    const msgId = this.msgId();
    const ack = await this.request({ type: "REGISTER", topicId: 0, msgId, topicName: name }, (p) => p.type === "REGACK" && p.msgId === msgId);
    if (ack.type !== "REGACK" || ack.returnCode !== 0) throw new Error(`MQTT-SN ${this.name}: REGISTER ${name} refused (${ack.type === "REGACK" ? ack.returnCode : ack.type})`);
    this.learn(ack.topicId, name);
    return ack.topicId;
  }

  private learn(id: number, name: string): void {
    this.topics.set(name, id);
    this.topicNames.set(id, name);
  }

  async subscribe(filter: string, onMessage: OnMessage): Promise<Unsubscribe> {
    if (!validFilter(filter)) throw new RangeError(`invalid topic filter "${filter}"`);
    const sub = { filter, onMessage };
    this.subs.push(sub);
    await this.serial(() => this.doSubscribe({ name: filter }, 1));
    return async () => {
      this.subs = this.subs.filter((s) => s !== sub);
      if (!this.subs.some((s) => s.filter === filter)) await this.serial(() => this.doUnsubscribe({ name: filter }));
    };
  }

  /** Subscribe by any topic form at any QoS (0-2). */
  async subscribeTo(ref: TopicRef, qos: 0 | 1 | 2, onMessage: OnMessage): Promise<number> {
    const filter = "name" in ref ? ref.name : "short" in ref ? ref.short : this.opts.predefined?.[ref.predefined];
    if (filter === undefined) throw new Error(`predefined topic id ${"predefined" in ref ? ref.predefined : "?"} is unknown to ${this.name}`);
    this.subs.push({ filter, onMessage });
    return this.serial(() => this.doSubscribe(ref, qos));
  }

  private async doSubscribe(ref: TopicRef, qos: 0 | 1 | 2): Promise<number> {
    const msgId = this.msgId();
    const p: Packet =
      "predefined" in ref
        ? { type: "SUBSCRIBE", flags: flags({ qos, topicIdType: 1 }), msgId, topicId: ref.predefined }
        : { type: "SUBSCRIBE", flags: flags({ qos, topicIdType: "short" in ref ? 2 : 0 }), msgId, topicName: "short" in ref ? ref.short : ref.name };
    const ack = await this.request(p, (r) => r.type === "SUBACK" && r.msgId === msgId);
    if (ack.type !== "SUBACK" || ack.returnCode !== 0)
      throw new Error(`MQTT-SN ${this.name}: SUBSCRIBE ${JSON.stringify(ref)} refused (${ack.type === "SUBACK" ? ack.returnCode : ack.type})`);
    if ("name" in ref && ack.topicId !== 0) this.learn(ack.topicId, ref.name);
    return ack.topicId;
  }

  private async doUnsubscribe(ref: TopicRef): Promise<void> {
    const msgId = this.msgId();
    const p: Packet =
      "predefined" in ref
        ? { type: "UNSUBSCRIBE", flags: flags({ topicIdType: 1 }), msgId, topicId: ref.predefined }
        : { type: "UNSUBSCRIBE", flags: flags({ topicIdType: "short" in ref ? 2 : 0 }), msgId, topicName: "short" in ref ? ref.short : ref.name };
    await this.request(p, (r) => r.type === "UNSUBACK" && r.msgId === msgId);
  }

  /** Change the will topic (empty topic deletes the will), then the message. */
  async updateWill(topic: string, msg?: Uint8Array, qos: 0 | 1 = 0, retain = false): Promise<void> {
    await this.serial(async () => {
      const upd: Packet = topic === "" ? { type: "WILLTOPICUPD", topic: "" } : { type: "WILLTOPICUPD", flags: flags({ qos, retain }), topic };
      const r = await this.request(upd, (p) => p.type === "WILLTOPICRESP");
      if (r.type !== "WILLTOPICRESP" || r.returnCode !== 0) throw new Error(`MQTT-SN ${this.name}: WILLTOPICUPD refused`);
      if (msg) {
        const m = await this.request({ type: "WILLMSGUPD", msg }, (p) => p.type === "WILLMSGRESP");
        if (m.type !== "WILLMSGRESP" || m.returnCode !== 0) throw new Error(`MQTT-SN ${this.name}: WILLMSGUPD refused`);
      }
    });
  }

  /** Go to sleep for `durationS` (6.14): the gateway buffers what arrives for us. */
  async sleep(durationS: number): Promise<void> {
    await this.serial(async () => {
      await this.request({ type: "DISCONNECT", duration: durationS }, (p) => p.type === "DISCONNECT");
      this.state = "asleep";
      this.stopPing();
    });
  }

  /** Wake briefly: PINGREQ with our client id; buffered messages arrive, then PINGRESP. */
  async wake(): Promise<void> {
    await this.serial(() => this.request({ type: "PINGREQ", clientId: this.name }, (p) => p.type === "PINGRESP"));
  }

  async close(): Promise<void> {
    this.stopPing();
    if (this.recovery) clearTimeout(this.recovery);
    if (this.sock && (this.state === "active" || this.state === "asleep")) {
      await this.serial(() => this.request({ type: "DISCONNECT" }, (p) => p.type === "DISCONNECT")).catch(() => undefined);
    }
    this.state = "disconnected";
    this.sock?.close();
    this.sock = undefined;
  }

  /** Vanish without DISCONNECT: the gateway finds out by keep-alive and publishes the will. */
  async crash(): Promise<void> {
    this.stopPing();
    if (this.recovery) clearTimeout(this.recovery);
    this.state = "disconnected";
    this.sock?.close();
    this.sock = undefined;
  }

  // ---- plumbing ----

  private serial<T>(op: () => Promise<T>): Promise<T> {
    this.pending++;
    const run = this.chain.then(op, op).finally(() => this.pending--);
    this.chain = run.catch(() => undefined);
    return run;
  }

  private msgId(): number {
    const id = this.nextMsgId;
    this.nextMsgId = id === 0xffff ? 1 : id + 1;
    return id;
  }

  private send(p: Packet): void {
    this.sock?.send(encode(p));
  }

  /** Send and wait for the matching answer, retransmitting (DUP set on PUBLISH) per 6.13. */
  private request(p: Packet, match: (r: Packet) => boolean): Promise<Packet> {
    return new Promise((resolve, reject) => {
      let tries = 0;
      let timer: NodeJS.Timeout | undefined;
      const attempt = () => {
        if (!this.sock) return reject(new LinkDown(`MQTT-SN ${this.name}: socket closed`));
        if (tries > this.maxRetries) {
          this.waiter = undefined;
          this.state = "lost";
          return reject(new LinkDown(`MQTT-SN ${this.name}: no answer to ${p.type} after ${this.maxRetries} retries`));
        }
        this.send(tries > 0 && p.type === "PUBLISH" ? { ...p, flags: { ...p.flags, dup: true } } : p);
        tries++;
        timer = setTimeout(attempt, this.retryMs);
      };
      this.waiter = {
        match,
        resolve: (r) => {
          clearTimeout(timer);
          this.waiter = undefined;
          resolve(r);
        },
        fail: (e) => {
          clearTimeout(timer);
          this.waiter = undefined;
          reject(e);
        },
      };
      attempt();
    });
  }

  private onDatagram(buf: Uint8Array): void {
    let p: Packet;
    try {
      p = decode(buf);
    } catch (e) {
      return this.log(`dropped datagram: ${e instanceof MqttSnDecodeError ? e.message : (e as Error).message}`);
    }
    if (this.waiter?.match(p)) return this.waiter.resolve(p);
    switch (p.type) {
      case "PUBLISH": return this.onPublish(p);
      case "REGISTER":
        this.learn(p.topicId, p.topicName);
        return this.send({ type: "REGACK", topicId: p.topicId, msgId: p.msgId, returnCode: 0 });
      case "PUBREL":
        this.qos2In.delete(p.msgId);
        return this.send({ type: "PUBCOMP", msgId: p.msgId });
      case "DISCONNECT":
        // The gateway does not know us (it restarted, or gave up on us): reconnect.
        this.state = "lost";
        this.waiter?.fail(new LinkDown(`MQTT-SN ${this.name}: the gateway sent DISCONNECT`));
        return this.scheduleRecovery();
      default:
        return; // late answers to retransmissions, ADVERTISE, ...
    }
  }

  private onPublish(p: Extract<Packet, { type: "PUBLISH" }>): void {
    const t = p.flags.topicIdType;
    const topic = t === TopicIdType.PREDEFINED ? this.opts.predefined?.[p.topicId] : t === TopicIdType.SHORT ? shortTopicName(p.topicId) : this.topicNames.get(p.topicId);
    if (topic === undefined) {
      if (p.flags.qos > 0) this.send({ type: "PUBACK", topicId: p.topicId, msgId: p.msgId, returnCode: ReturnCode.INVALID_TOPIC_ID });
      return;
    }
    if (p.flags.qos === 1) this.send({ type: "PUBACK", topicId: p.topicId, msgId: p.msgId, returnCode: 0 });
    if (p.flags.qos === 2) {
      this.send({ type: "PUBREC", msgId: p.msgId });
      if (this.qos2In.has(p.msgId)) return; // exactly once: a repeat before PUBREL
      this.qos2In.add(p.msgId);
    }
    for (const s of this.subs) {
      if (!topicMatches(s.filter, topic)) continue;
      try {
        s.onMessage(topic, p.data, { retained: p.flags.retain });
      } catch (e) {
        this.log(`subscriber of ${s.filter} threw on ${topic}: ${(e as Error).message}`);
      }
    }
  }

  private startPing(): void {
    this.stopPing();
    const ms = (this.opts.keepAliveS ?? 60) * 1000;
    this.pingTimer = setInterval(() => {
      if (this.state !== "active") return;
      this.serial(() => this.request({ type: "PINGREQ" }, (p) => p.type === "PINGRESP")).catch(() => this.scheduleRecovery());
    }, ms);
    this.pingTimer.unref?.();
  }

  private stopPing(): void {
    if (this.pingTimer) clearInterval(this.pingTimer);
    this.pingTimer = undefined;
  }

  /** While messages are held: wait T_RETRY, reconnect if the session is lost, flush in order. */
  private scheduleRecovery(): void {
    if (this.recovery || !this.sock) return;
    this.recovery = setTimeout(() => {
      this.recovery = undefined;
      void this.serial(async () => {
        // Congestion keeps the session; silence may mean the gateway restarted and forgot us.
        if (this.state === "congested") this.state = "active";
        else if (this.state === "lost") await this.doConnect();
        for (let m = this.queue.shift(); m; m = this.queue.shift()) {
          try {
            await this.doPublish({ name: m.topic }, m.payload, m.qos, m.retain);
          } catch (e) {
            if (!(e instanceof LinkDown)) {
              this.log(`held message on ${m.topic} refused, dropped: ${(e as Error).message}`);
              continue;
            }
            this.queue.unshift(m);
            break;
          }
        }
      })
        .catch((e: Error) => this.log(`recovery: ${e.message}`))
        .finally(() => {
          if (this.queue.length > 0 || this.state === "lost" || this.state === "congested") this.scheduleRecovery();
        });
    }, Math.min(this.retryMs, 1000));
  }

  private log(line: string): void {
    (this.opts.log ?? ((l: string) => console.error(l)))(`mqtt-sn client ${this.name}: ${line}`);
  }
}
