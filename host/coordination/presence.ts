// Presence and shared state. Each device publishes a retained heartbeat on
// colony/<site>/coord/presence/<device> with its state vector; peers mark it down when beats stop
// (timeout) or when its last will ("presence.gone", same topic, retained) arrives.
// A will is sealed at connect time, so it is opened without the replay window and trusted
// only for the boot epoch it names: an old will can never mark a newer incarnation down.
import { Priority } from "../kernel/scheduler.ts";
import { Sealer, type Envelope } from "../net/envelope.ts";
import type { DeviceKey } from "../net/keys.ts";
import { siteTopic } from "../net/topics.ts";
import type { Will } from "../net/transport.ts";
import type { CoordNode } from "./node.ts";

export interface DeviceState {
  /** 0..1 */
  battery: number;
  /** 0..1 */
  load: number;
  capabilities: string[];
  /** x, y, z in metres in the site frame. */
  position: [number, number, number];
  /** Compute units' queues and the state that regulates them, for offload and bidding (host/sched). */
  compute?: ComputeAdvert;
}

export interface ComputeAdvert {
  board: string;
  units: { id: string; kind: string; backlogUs: number }[];
  failedUnits: string[];
  temperatureC: number;
}

export interface BeatBody {
  epoch: number;
  every: number;
  state: DeviceState;
}

export interface PeerInfo {
  id: string;
  state: DeviceState;
  epoch: number;
  lastSeen: number;
  alive: boolean;
}

export type PresenceEvent = { type: "up" | "down" | "update"; peer: PeerInfo; why?: "timeout" | "will" | "leave" };

export const PRESENCE_BEAT = "presence.beat";
export const PRESENCE_GONE = "presence.gone";

export interface PresenceOptions {
  /** Heartbeat period, ms. */
  every?: number;
  /** A peer is down after this many missed periods. */
  missed?: number;
  /** Boot epoch: a number that grows across this device's restarts. */
  epoch: number;
}

/** The will a device sets on its transport before connecting. */
export function presenceWill(key: DeviceKey, site: string, epoch: number, now: number): Will {
  const payload = new Sealer(key, () => now).seal(PRESENCE_GONE, { epoch, why: "will" });
  return { topic: siteTopic(site, `coord/presence/${key.id}`), payload, qos: 1, retain: true };
}

export class Presence {
  private peers = new Map<string, PeerInfo>();
  private listeners: ((e: PresenceEvent) => void)[] = [];
  private beatTimer?: number;
  private sweepTimer?: number;
  private readonly every: number;
  private readonly missed: number;
  private stopped = false;

  constructor(
    private readonly node: CoordNode,
    public state: DeviceState,
    private readonly opts: PresenceOptions,
  ) {
    this.every = opts.every ?? 1000;
    this.missed = opts.missed ?? 3;
  }

  start(): void {
    this.node.on("coord/presence/+", (env) => this.onMessage(env), { idempotentKinds: [PRESENCE_GONE] });
    this.beat();
    this.sweep();
  }

  onChange(fn: (e: PresenceEvent) => void): void {
    this.listeners.push(fn);
  }

  /** Live peers (not this device), by id. */
  alive(): PeerInfo[] {
    return [...this.peers.values()].filter((p) => p.alive);
  }

  peer(id: string): PeerInfo | undefined {
    return this.peers.get(id);
  }

  /** Update this device's state; it goes out with the next beat (or now, if `now`). */
  update(patch: Partial<DeviceState>, now = false): void {
    this.state = { ...this.state, ...patch };
    if (now) this.publish();
  }

  /** Leave cleanly: a retained "gone" replaces the beat; peers see "leave" at once. */
  stop(): void {
    this.stopped = true;
    if (this.beatTimer !== undefined) this.node.clock.cancel(this.beatTimer);
    if (this.sweepTimer !== undefined) this.node.clock.cancel(this.sweepTimer);
    this.node.send(`coord/presence/${this.node.id}`, PRESENCE_GONE, { epoch: this.opts.epoch, why: "leave" }, { qos: 1, retain: true });
  }

  private publish(): void {
    const body: BeatBody = { epoch: this.opts.epoch, every: this.every, state: this.state };
    // QoS 1: on a lossy link a lost beat would otherwise look like a dead device.
    this.node.send(`coord/presence/${this.node.id}`, PRESENCE_BEAT, body, { qos: 1, retain: true });
  }

  private beat(): void {
    if (this.stopped) return;
    this.publish();
    this.beatTimer = this.node.clock.after(this.every, () => this.beat(), Priority.TIMER);
  }

  private sweep(): void {
    if (this.stopped) return;
    const now = this.node.clock.now();
    for (const p of this.peers.values()) {
      if (p.alive && now - p.lastSeen > this.every * this.missed) this.set(p, false, "timeout");
    }
    this.sweepTimer = this.node.clock.after(this.every / 2, () => this.sweep(), Priority.SYSTEM);
  }

  private onMessage(env: Envelope): void {
    if (env.from === this.node.id) return;
    const now = this.node.clock.now();
    const prev = this.peers.get(env.from);
    if (env.kind === PRESENCE_BEAT) {
      const b = env.body as BeatBody;
      if (!isBeat(b)) return this.node.log(`malformed ${PRESENCE_BEAT} from ${env.from}`);
      if (prev && b.epoch < prev.epoch) return; // a beat of an older incarnation
      const p: PeerInfo = { id: env.from, state: b.state, epoch: b.epoch, lastSeen: now, alive: prev?.alive ?? false };
      this.peers.set(env.from, p);
      if (!p.alive) this.set(p, true);
      else this.emit({ type: "update", peer: p });
    } else if (env.kind === PRESENCE_GONE) {
      const g = env.body as { epoch?: unknown; why?: unknown };
      if (!prev || g.epoch !== prev.epoch || !prev.alive) return;
      this.set(prev, false, g.why === "leave" ? "leave" : "will");
    }
  }

  private set(p: PeerInfo, alive: boolean, why?: PresenceEvent["why"]): void {
    p.alive = alive;
    this.emit({ type: alive ? "up" : "down", peer: p, ...(why ? { why } : {}) });
  }

  private emit(e: PresenceEvent): void {
    for (const l of this.listeners) l(e);
  }
}

function isBeat(b: unknown): b is BeatBody {
  const x = b as BeatBody;
  return (
    typeof x === "object" && x !== null && typeof x.epoch === "number" && typeof x.every === "number" &&
    typeof x.state === "object" && x.state !== null && typeof x.state.battery === "number" && typeof x.state.load === "number" &&
    Array.isArray(x.state.capabilities) && Array.isArray(x.state.position)
  );
}
