// The MQTT-SN v1.2 gateway: UDP in front, MQTT (mqtt.js) behind. A "transparent" gateway
// (spec 4.1): each MQTT-SN client gets its own broker connection, so sessions, QoS and
// retained messages are the broker's; the gateway keeps topic ids and sleep buffers.
// Wills, by default, are kept and published by the gateway when it declares a client lost
// (keep-alive or N_RETRY): WILLTOPICUPD/WILLMSGUPD then change them without reconnecting, but a
// gateway that dies takes them along. With `brokerWills` each client's will is its broker
// connection's MQTT will, so the broker publishes it also when the gateway process dies; a lost
// client's connection is then dropped without DISCONNECT, and a will update re-opens it.
import { createSocket, type Socket } from "node:dgram";
import mqtt, { type MqttClient } from "mqtt";
import { RealClock, type Clock } from "../../kernel/scheduler.ts";
import type { GatewayCore } from "./core.ts";
import { decode, MqttSnDecodeError } from "./decode.ts";
import { dispatch } from "./dispatch.ts";
import { encode } from "./encode.ts";
import { ReturnCode, shortTopicName, TopicIdType, type Packet } from "./packets.ts";
import { peerOf, type Peer } from "./peer.ts";
import { ClientSession, type SessionHooks } from "./session.ts";
import { qos0Publish } from "../mqtt/publish-packet.ts";

export interface GatewayOptions {
  /** MQTT broker URL, e.g. mqtt://127.0.0.1:1883. */
  brokerUrl: string;
  /** UDP port; 0 = a free one. */
  port?: number;
  /** Bind address; loopback unless told otherwise. */
  host?: string;
  gwId?: number;
  /** Predefined topic ids, the same for every client (6.6). */
  predefined?: Record<number, string>;
  /** T_RETRY (6.13), ms. */
  retryMs?: number;
  /** N_RETRY (6.13). */
  maxRetries?: number;
  /** How often keep-alive deadlines are checked, ms. */
  sweepMs?: number;
  /** Where ADVERTISE goes (unicast on loopback) and its interval T_ADV, s. */
  advertise?: { to: { address: string; port: number }[]; durationS: number };
  /** Messages buffered per sleeping client. */
  bufferLimit?: number;
  /** Register each client's will with the broker (survives the gateway's death); default: the gateway publishes wills. */
  brokerWills?: boolean;
  /**
   * Asked before a client's PUBLISH is relayed (the site policy's broker-side gate): undefined
   * relays it, a reason refuses it (QoS 1: PUBACK "not supported"; QoS 2: released to nobody).
   */
  publishGate?: (client: string, topic: string, data: Uint8Array, now: number) => string | undefined;
  clock?: Clock;
  log?: (line: string) => void;
}

export interface GatewayStats {
  received: number;
  sent: number;
  malformed: number;
  lostClients: number;
  /** PUBLISHes the publish gate refused */
  refused: number;
}

export class MqttSnGateway implements GatewayCore {
  readonly gwId: number;
  readonly stats: GatewayStats = { received: 0, sent: 0, malformed: 0, lostClients: 0, refused: 0 };
  private socket?: Socket;
  private own?: MqttClient;
  private byPeer = new Map<string, ClientSession>();
  private byId = new Map<string, ClientSession>();
  private predefinedByName = new Map<string, number>();
  private readonly clock: Clock;
  private readonly hooks: SessionHooks;
  private timers: number[] = [];
  private _port = 0;

  constructor(private readonly opts: GatewayOptions) {
    this.gwId = opts.gwId ?? 1;
    this.clock = opts.clock ?? new RealClock();
    for (const [id, name] of Object.entries(opts.predefined ?? {})) this.predefinedByName.set(name, Number(id));
    this.hooks = {
      clock: this.clock,
      send: (peer, p) => this.send(peer, p),
      retryMs: opts.retryMs ?? 10_000,
      maxRetries: opts.maxRetries ?? 3,
      onUnresponsive: (s) => this.lose(s, `no answer after ${this.hooks.maxRetries} retransmissions`),
      topicRef: (s, topic) => this.topicRef(s, topic),
      bufferLimit: opts.bufferLimit ?? 1000,
    };
  }

  get port(): number {
    return this._port;
  }
  get clients(): number {
    return this.byId.size;
  }

  async start(): Promise<void> {
    this.own = await mqtt.connectAsync(this.opts.brokerUrl, { clientId: `colony-gw${this.gwId}-${process.pid}-${Date.now() % 1e6}`, reconnectPeriod: 250, log: () => undefined });
    // A deep receive buffer (the kernel caps it at net.core.rmem_max): bursts from many clients
    // wait in the kernel instead of being dropped.
    const sock = createSocket({ type: "udp4", recvBufferSize: 4 << 20 });
    sock.on("message", (msg, rinfo) => this.onDatagram(new Uint8Array(msg.buffer, msg.byteOffset, msg.byteLength), rinfo.address, rinfo.port));
    sock.on("error", (e) => this.log(`UDP socket error: ${e.message}`));
    await new Promise<void>((resolve, reject) => {
      sock.once("error", reject);
      sock.bind(this.opts.port ?? 0, this.opts.host ?? "127.0.0.1", () => {
        sock.off("error", reject);
        resolve();
      });
    });
    this.socket = sock;
    this._port = sock.address().port;
    this.every(this.opts.sweepMs ?? 1000, () => this.sweep());
    const adv = this.opts.advertise;
    if (adv && adv.to.length > 0) {
      const advertise = () => {
        for (const t of adv.to) this.send(peerOf(t.address, t.port), { type: "ADVERTISE", gwId: this.gwId, duration: adv.durationS });
      };
      advertise();
      this.every(adv.durationS * 1000, advertise);
    }
  }

  async stop(): Promise<void> {
    for (const t of this.timers) this.clock.cancel(t);
    this.timers = [];
    // A clean stop is a clean DISCONNECT for every client: no wills (a crash publishes them).
    for (const s of [...this.byId.values()]) {
      s.dispose();
      if (s.mqtt) await this.closeBroker(s.mqtt);
    }
    this.byId.clear();
    this.byPeer.clear();
    await this.own?.endAsync(true);
    const sock = this.socket;
    this.socket = undefined;
    if (sock) await new Promise<void>((r) => sock.close(() => r()));
  }

  private every(ms: number, fn: () => void): void {
    const slot = this.timers.length;
    const tick = () => {
      fn();
      this.timers[slot] = this.clock.after(ms, tick);
    };
    this.timers[slot] = this.clock.after(ms, tick);
  }

  private onDatagram(buf: Uint8Array, address: string, port: number): void {
    this.stats.received++;
    let p: Packet;
    try {
      p = decode(buf);
    } catch (e) {
      this.stats.malformed++;
      const why = e instanceof MqttSnDecodeError ? e.message : `decoder failed: ${(e as Error).message}`;
      return this.log(`dropped ${buf.length}-byte datagram from ${address}:${port}: ${why}`);
    }
    let peer = this.peerAt(address, port);
    if (p.type === "ENCAPSULATED") {
      peer = peerOf(address, port, { ctrl: p.ctrl, nodeId: p.nodeId });
      p = p.inner;
    }
    try {
      dispatch(this, peer, p);
    } catch (e) {
      this.log(`handling ${p.type} from ${peer.key} failed: ${(e as Error).message}`);
    }
  }

  /** One Peer per UDP address, kept: no key string and object to build for every datagram. */
  private peers = new Map<string, Map<number, Peer>>();
  private peerAt(address: string, port: number): Peer {
    let byPort = this.peers.get(address);
    if (!byPort) this.peers.set(address, (byPort = new Map()));
    let p = byPort.get(port);
    if (!p) {
      // Bounded: a gateway facing many short-lived source ports forgets them all now and then.
      if (byPort.size >= 10_000) byPort.clear();
      byPort.set(port, (p = peerOf(address, port)));
    }
    return p;
  }

  // ---- GatewayCore ----

  log(line: string): void {
    (this.opts.log ?? ((l: string) => console.error(l)))(`mqtt-sn gateway ${this.gwId}: ${line}`);
  }

  send(peer: Peer, p: Packet): void {
    const sock = this.socket;
    if (!sock) return;
    const wire = encode(peer.encap ? { type: "ENCAPSULATED", ctrl: peer.encap.ctrl, nodeId: peer.encap.nodeId, inner: p } : p);
    this.stats.sent++;
    sock.send(wire, peer.port, peer.address);
  }

  session(peer: Peer): ClientSession | undefined {
    return this.byPeer.get(peer.key);
  }

  attach(clientId: string, peer: Peer, cleanSession: boolean): ClientSession {
    const here = this.byPeer.get(peer.key);
    if (here && here.clientId !== clientId) this.end(here);
    let s = this.byId.get(clientId);
    if (s) {
      this.byPeer.delete(s.peer.key);
      s.peer = peer;
      if (cleanSession) s.reset();
    } else {
      s = new ClientSession(clientId, peer, this.hooks);
      this.byId.set(clientId, s);
    }
    s.cleanSession = cleanSession;
    s.state = "connecting";
    this.byPeer.set(peer.key, s);
    return s;
  }

  finishConnect(s: ClientSession): void {
    const ready = () => {
      if (this.byId.get(s.clientId) !== s) return;
      s.state = "active";
      this.send(s.peer, { type: "CONNACK", returnCode: ReturnCode.ACCEPTED });
      s.flushBuffered();
    };
    // A clean session, or (brokerWills) a will the open connection was not made with: reconnect.
    const old = s.mqtt && (s.cleanSession || !this.willRegistered(s)) ? s.mqtt : undefined;
    if (old) s.mqtt = undefined;
    const opened = () => {
      if (this.byId.get(s.clientId) !== s) return;
      const c = (s.mqtt ??= this.connectBroker(s));
      if (c.connected) return ready();
      const timer = this.clock.after(this.hooks.retryMs, () => {
        c.off("connect", ok);
        if (this.byId.get(s.clientId) === s && s.state === "connecting")
          this.send(s.peer, { type: "CONNACK", returnCode: ReturnCode.CONGESTION });
      });
      const ok = () => {
        this.clock.cancel(timer);
        ready();
      };
      c.once("connect", ok);
    };
    if (old) void this.closeBroker(old).then(opened);
    else opened();
  }

  /** brokerWills: re-open the client's broker connection with its new will (WILLTOPICUPD/WILLMSGUPD). */
  async willChanged(s: ClientSession): Promise<void> {
    if (!this.opts.brokerWills || !s.mqtt || this.willRegistered(s)) return;
    const old = s.mqtt;
    s.mqtt = undefined;
    await this.closeBroker(old);
    if (this.byId.get(s.clientId) !== s) return;
    const c = (s.mqtt = this.connectBroker(s));
    await new Promise<void>((resolve, reject) => {
      const timer = this.clock.after(this.hooks.retryMs, () => {
        c.off("connect", ok);
        reject(new Error(`broker did not accept the new connection of ${s.clientId} within ${this.hooks.retryMs} ms`));
      });
      const ok = () => {
        this.clock.cancel(timer);
        resolve();
      };
      c.once("connect", ok);
    });
    // A clean session's subscriptions ended with the old connection: make them again.
    if (s.cleanSession) for (const [filter, qos] of s.subs) await this.brokerSubscribe(s, filter, qos);
  }

  /** The session's broker connection; with brokerWills it carries the client's will. */
  private connectBroker(s: ClientSession): MqttClient {
    const w = this.opts.brokerWills ? s.will : undefined;
    const c = mqtt.connect(this.opts.brokerUrl, {
      clientId: s.clientId,
      clean: s.cleanSession,
      reconnectPeriod: 250,
      keepalive: 30,
      // mqtt.js otherwise calls its debug logger several times per message, even when disabled.
      log: () => undefined,
      ...(w ? { will: { topic: w.topic, payload: Buffer.from(w.msg), qos: w.qos, retain: w.retain } } : {}),
    });
    s.brokerWill = w ? { ...w, msg: w.msg.slice() } : undefined;
    c.on("message", (topic, payload, packet) => {
      s.deliver({ topic, payload: new Uint8Array(payload), qos: packet.qos, retain: packet.retain });
    });
    c.on("error", (e) => this.log(`broker connection of ${s.clientId}: ${e.message}`));
    // One small write per datagram: without TCP_NODELAY, Nagle's algorithm holds them back.
    c.on("connect", () => (c.stream as { setNoDelay?: (b: boolean) => void }).setNoDelay?.(true));
    return c;
  }

  /** True unless brokerWills and the open connection carries another will than the session's. */
  private willRegistered(s: ClientSession): boolean {
    if (!this.opts.brokerWills) return true;
    const a = s.brokerWill;
    const b = s.will;
    if (!a || !b) return a === b;
    return a.topic === b.topic && a.qos === b.qos && a.retain === b.retain && Buffer.from(a.msg).equals(Buffer.from(b.msg));
  }

  /**
   * Ends a broker connection. brokerWills: with DISCONNECT (the broker discards the will), and
   * waits for it, so a new connection with the same client id never takes over a live one.
   */
  private async closeBroker(c: MqttClient): Promise<void> {
    if (!this.opts.brokerWills) {
      await c.endAsync(true);
      return;
    }
    let timer = 0;
    const late = new Promise<void>((r) => (timer = this.clock.after(this.hooks.retryMs, r)));
    await Promise.race([c.endAsync(false), late]);
    this.clock.cancel(timer);
    if (!c.disconnected) c.end(true);
  }

  lose(s: ClientSession, why: string): void {
    if (this.byId.get(s.clientId) !== s) return;
    this.stats.lostClients++;
    this.log(`client ${s.clientId} lost: ${why}`);
    this.forget(s);
    s.state = "lost";
    const c = s.mqtt;
    const w = s.will;
    const end = () => c?.end();
    // The broker holds the will: drop the connection without DISCONNECT and it publishes it.
    if (this.opts.brokerWills) c?.end(true);
    else if (w) {
      const via = c?.connected ? c : this.own;
      via?.publish(w.topic, Buffer.from(w.msg), { qos: w.qos, retain: w.retain }, end);
    } else end();
  }

  end(s: ClientSession): void {
    if (this.byId.get(s.clientId) !== s) return;
    this.forget(s);
    s.state = "disconnected";
    s.mqtt?.end();
  }

  private forget(s: ClientSession): void {
    s.dispose();
    this.byId.delete(s.clientId);
    if (this.byPeer.get(s.peer.key) === s) this.byPeer.delete(s.peer.key);
  }

  topicName(s: ClientSession | undefined, type: number, id: number): string | undefined {
    if (type === TopicIdType.PREDEFINED) return this.predefined(id);
    if (type === TopicIdType.SHORT) return shortTopicName(id);
    return s?.topics.name(id);
  }

  predefined(id: number): string | undefined {
    return this.opts.predefined?.[id];
  }

  private topicRef(s: ClientSession, topic: string): { id: number; type: 0 | 1 | 2 } | undefined {
    const pre = this.predefinedByName.get(topic);
    if (pre !== undefined) return { id: pre, type: 1 };
    const id = s.topics.id(topic);
    if (id !== undefined) return { id, type: 0 };
    if (topic.length === 2 && s.subs.has(topic)) return { id: (topic.charCodeAt(0) << 8) | topic.charCodeAt(1), type: 2 };
    return undefined;
  }

  async brokerSubscribe(s: ClientSession, filter: string, qos: 0 | 1 | 2): Promise<number> {
    const c = s.mqtt;
    if (!c?.connected) return 128;
    try {
      const granted = await c.subscribeAsync(filter, { qos });
      // mqtt.js answers an empty list (sends nothing) when this connection already holds the
      // filter, as a kept session's re-SUBSCRIBE after a wake does: it stays granted.
      if (granted.length === 0) return qos;
      return granted[0]!.qos;
    } catch (e) {
      this.log(`subscribe of ${s.clientId} to ${filter} failed: ${(e as Error).message}`);
      return 128;
    }
  }

  async brokerUnsubscribe(s: ClientSession, filter: string): Promise<void> {
    if (s.mqtt?.connected) await s.mqtt.unsubscribeAsync(filter);
  }

  async brokerPublish(s: ClientSession, topic: string, data: Uint8Array, qos: 0 | 1 | 2, retain: boolean): Promise<void> {
    const c = s.mqtt;
    if (!c) throw new Error(`client ${s.clientId} has no broker connection`);
    this.cork(c);
    const payload = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    if (qos === 0) {
      // Connected with nothing queued: the packet goes straight onto the corked socket, in
      // order with mqtt.js's own writes (it writes synchronously too). Otherwise mqtt.js
      // queues it until the connection is back.
      const stream = c.stream as { writable?: boolean; write?: (b: Buffer) => boolean } | undefined;
      const queued = (c as unknown as { _storeProcessingQueue?: unknown[] })._storeProcessingQueue?.length ?? 0;
      if (c.connected && !c.disconnecting && queued === 0 && stream?.writable && stream.write) stream.write(qos0Publish(topic, payload, retain));
      else c.publish(topic, payload, { qos, retain });
      return;
    }
    await c.publishAsync(topic, payload, { qos, retain });
  }

  /**
   * Datagrams arrive one event each; writing each to the broker socket at once costs a syscall
   * per message. Corking until the check phase sends all that one poll read in one write.
   */
  private corked = new Set<MqttClient>();
  private cork(c: MqttClient): void {
    const stream = c.stream as { cork?: () => void; uncork?: () => void } | undefined;
    if (!stream?.cork || this.corked.has(c)) return;
    stream.cork();
    this.corked.add(c);
    if (this.corked.size === 1)
      setImmediate(() => {
        for (const k of this.corked) (k.stream as { uncork?: () => void }).uncork?.();
        this.corked.clear();
      });
  }

  refusePublish(client: string, topic: string, data: Uint8Array): boolean {
    const why = this.opts.publishGate?.(client, topic, data, this.clock.now());
    if (why === undefined) return false;
    this.stats.refused++;
    this.log(`PUBLISH of ${client || "an unconnected client"} on ${topic} refused: ${why}`);
    return true;
  }

  anonymousPublish(topic: string, data: Uint8Array, retain: boolean): void {
    this.own?.publish(topic, Buffer.from(data), { qos: 0, retain });
  }

  private sweep(): void {
    const now = this.clock.now();
    for (const s of [...this.byId.values()]) {
      const limit = s.state === "asleep" ? s.sleepMs : s.keepAliveMs;
      // 6.11/6.14: silent for 1.5x its keep-alive (or sleep duration): the client is lost.
      if (limit > 0 && now - s.lastHeard > limit * 1.5) this.lose(s, `silent for ${Math.round(now - s.lastHeard)} ms (limit ${limit * 1.5} ms)`);
    }
  }
}
