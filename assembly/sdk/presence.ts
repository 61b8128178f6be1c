// Presence and shared state from inside an agent: the same wire as host/coordination/presence.ts.
// A retained "presence.beat" { epoch, every, state { battery, load, capabilities, position } }
// on coord/presence/<device> every `every` ms; peers are down after `missed` periods without a
// beat, or at once on their "presence.gone" (a host peer's will, or a clean leave).
// ABI v1 cannot register a last will, so this device's own death is seen by timeout only
// (docs/protocol.md, "From AssemblyScript"). The device's coordination port turns "$device"
// into this device's id and tells every delivery its `from` and `me`.
import { utf8 } from "./utf8";
import { bus_publish } from "./abi";
import { Fields } from "./body";
import { Message, bus } from "./bus";
import { clock } from "./clock";
import { CborReader, CborType, CborWriter } from "./cbor";
import { state } from "./state";

/** Publishes raw CBOR bytes (a body Body cannot build, e.g. an array of text); false if refused. */
export function publishBytes(topic: string, body: Uint8Array, qos: i32): bool {
  const t = utf8(topic);
  return bus_publish(changetype<usize>(t), t.byteLength, body.dataStart, body.length, qos) >= 0;
}

/** An array of text under `k` in a CBOR map (empty if absent or not an array of text). */
export function textList(f: Fields, k: string): string[] {
  const out = new Array<string>(0);
  const r = CborReader.of(f.data);
  const n = r.mapHead();
  const key = utf8(k);
  for (let i = 0; i < n && r.ok; i++) {
    if (!r.textEquals(key)) {
      r.skip();
      continue;
    }
    r.skipTags();
    if (r.peekType() != CborType.Array) return out;
    const m = r.arrayHead();
    for (let j = 0; j < m && r.ok; j++) {
      r.skipTags();
      if (r.peekType() != CborType.Text) return new Array<string>(0);
      out.push(r.text());
    }
    return r.ok ? out : new Array<string>(0);
  }
  return out;
}

export class PeerState {
  alive: bool = false;
  battery: f64 = 0;
  load: f64 = 0;
  capabilities: string[] = [];
  position: f64[] = [];
  epoch: i64 = 0;
  lastSeen: f64 = 0;
  constructor(public id: string) {}
}

/** A peer came up ("up"), went down ("down": why "timeout", "will" or "leave") or changed ("update"). */
export class PresenceEvent {
  constructor(public type: string, public peer: PeerState, public why: string) {}
}

export class Presence {
  battery: f64 = 1;
  load: f64 = 0;
  capabilities: string[] = [];
  position: f64[] = [0, 0, 0];
  /** This device's id, once the port has told it (first delivery). */
  me: string = "";
  epoch: i64 = 0;
  peers: PeerState[] = [];
  private events: PresenceEvent[] = [];
  private ticks: i32 = 0;
  private running: bool = false;

  /** Timer `timerId` ticks every `every/2` ms: beats every other tick, sweeps on each. */
  constructor(public every: i32 = 1000, public missed: i32 = 3, public timerId: i32 = 100) {}

  /** Counts a boot (the epoch lives in the agent's state), subscribes, beats at once. */
  start(): void {
    this.epoch = <i64>state.getF64("presence.epoch", 0) + 1;
    state.setF64("presence.epoch", <f64>this.epoch);
    bus.subscribe("coord/presence/+");
    this.running = true;
    this.beat();
    clock.every(max(1, this.every / 2), this.timerId);
  }

  /** Leaves cleanly: a retained "gone" replaces the beat, peers see "leave" at once. */
  stop(): void {
    this.running = false;
    clock.cancel(this.timerId);
    const w = new CborWriter();
    w.mapHead(3);
    w.text("kind").text("presence.gone");
    w.text("epoch").int(this.epoch);
    w.text("why").text("leave");
    publishBytes("coord/presence/$device", w.toBytes(), 1);
  }

  /** Publishes the state now (else it goes with the next beat). */
  beat(): void {
    const w = new CborWriter();
    w.mapHead(4);
    w.text("kind").text("presence.beat");
    w.text("epoch").int(this.epoch);
    w.text("every").int(this.every);
    w.text("state").mapHead(4);
    w.text("battery").f64(this.battery);
    w.text("load").f64(this.load);
    w.text("capabilities").arrayHead(this.capabilities.length);
    for (let i = 0; i < this.capabilities.length; i++) w.text(unchecked(this.capabilities[i]));
    w.text("position").arrayHead(this.position.length);
    for (let i = 0; i < this.position.length; i++) w.f64(unchecked(this.position[i]));
    publishBytes("coord/presence/$device", w.toBytes(), 1);
  }

  /** Live peers (not this device). */
  alive(): PeerState[] {
    const out = new Array<PeerState>(0);
    for (let i = 0; i < this.peers.length; i++) if (unchecked(this.peers[i]).alive) out.push(unchecked(this.peers[i]));
    return out;
  }

  peer(id: string): PeerState | null {
    for (let i = 0; i < this.peers.length; i++) if (unchecked(this.peers[i]).id == id) return unchecked(this.peers[i]);
    return null;
  }

  /** What happened since the last call. */
  takeEvents(): PresenceEvent[] {
    const e = this.events;
    this.events = [];
    return e;
  }

  /** Feed every timer here; true when it was presence's. */
  onTimer(id: i32): bool {
    if (id != this.timerId) return false;
    if (!this.running) return true;
    if (++this.ticks % 2 == 0) this.beat();
    const now = clock.now();
    for (let i = 0; i < this.peers.length; i++) {
      const p = unchecked(this.peers[i]);
      if (p.alive && now - p.lastSeen > <f64>(this.every * this.missed)) this.set(p, false, "timeout");
    }
    return true;
  }

  /** Feed every message here; true when it was presence's. */
  onMessage(msg: Message): bool {
    if (!msg.topic.startsWith("coord/presence/")) return false;
    const b = msg.body;
    if (this.me.length == 0) this.me = b.str("me");
    const from = b.str("from");
    if (from.length == 0 || from == this.me) return true;
    const kind = b.str("kind");
    let p = this.peer(from);
    if (kind == "presence.beat") {
      const epoch = b.int("epoch", -1);
      const s = b.map("state");
      if (epoch < 0 || !s.has("battery")) return true;
      if (p !== null && epoch < p.epoch) return true; // a beat of an older incarnation
      if (p === null) {
        p = new PeerState(from);
        this.peers.push(p);
      }
      p.epoch = epoch;
      p.battery = s.f64("battery");
      p.load = s.f64("load");
      p.capabilities = textList(s, "capabilities");
      p.position = s.f64s("position");
      p.lastSeen = clock.now();
      if (!p.alive) this.set(p, true, "");
      else this.events.push(new PresenceEvent("update", p, ""));
    } else if (kind == "presence.gone") {
      if (p === null || !p.alive || b.int("epoch", -1) != p.epoch) return true;
      this.set(p, false, b.str("why") == "leave" ? "leave" : "will");
    }
    return true;
  }

  private set(p: PeerState, alive: bool, why: string): void {
    p.alive = alive;
    this.events.push(new PresenceEvent(alive ? "up" : "down", p, why));
  }
}
