// Leases on shared resources: one holder at a time, for a limited time. The device that owns
// the resource (the robot arm's controller, the valve's board) runs a LeaseServer for it:
// requests go to colony/<site>/coord/lease/<resource>/req ("lease.acquire" / "lease.release"), the
// state is retained on colony/<site>/coord/lease/<resource> ("lease.state" {holder, until, fence}).
// A lease not renewed by `until` expires. `fence` grows with each new holder: the owner obeys
// a command only when it carries the current holder and fence (authorize()).
import { Priority } from "../kernel/scheduler.ts";
import type { Envelope } from "../net/envelope.ts";
import type { CoordNode } from "./node.ts";

export const LEASE = { ACQUIRE: "lease.acquire", RELEASE: "lease.release", STATE: "lease.state" } as const;

export interface LeaseState {
  resource: string;
  holder: string | null;
  /** Expiry on the owner's clock, ms. */
  until: number;
  fence: number;
  /** The holder's clock when it sent the request this grant answers: it times its lease from there. */
  asked: number;
}

/**
 * Who gets a resource several devices want, from the site policy's actuator rule for it
 * (docs/governance.md): under "priority" a request from a device of higher priority takes the
 * lease from its holder at once (a new fence, so the old holder's commands are refused); under
 * "first" (and with no rule) the holder keeps it until it releases or lets it run out. Equal
 * priorities keep the holder. A device the rule does not name has priority 0.
 */
export interface LeaseRule {
  rule: "priority" | "first";
  /** device id -> priority */
  priorities: ReadonlyMap<string, number>;
}

export interface LeaseServerOptions {
  /** Longest lease granted, ms. */
  maxTtl?: number;
  rule?: LeaseRule;
}

/** A holder the rule took the lease from. */
export interface LeasePreemption {
  at: number;
  from: string;
  to: string;
  /** the fence the new holder got */
  fence: number;
}

export class LeaseServer {
  /** Every lease the rule took from a holder, in order. */
  readonly preemptions: LeasePreemption[] = [];
  private state: LeaseState;
  private expiry?: number;

  constructor(
    private readonly node: CoordNode,
    readonly resource: string,
    private readonly opts: LeaseServerOptions = {},
  ) {
    this.state = { resource, holder: null, until: 0, fence: 0, asked: 0 };
  }

  start(): void {
    this.node.on(`coord/lease/${this.resource}/req`, (env) => this.onRequest(env));
    this.publish();
  }

  get current(): Readonly<LeaseState> {
    return this.state;
  }

  /** True if `holder` holds the lease now under `fence`: gate every actuator command on this. */
  authorize(holder: string, fence: number): boolean {
    const s = this.state;
    return s.holder === holder && s.fence === fence && this.node.clock.now() < s.until;
  }

  private onRequest(env: Envelope): void {
    const b = env.body as { resource?: unknown; ttl?: unknown; asked?: unknown };
    if (b?.resource !== this.resource) return;
    const now = this.node.clock.now();
    const s = this.state;
    const free = s.holder === null || now >= s.until;
    if (env.kind === LEASE.ACQUIRE) {
      const ttl = Math.min(Number(b.ttl) || 0, this.opts.maxTtl ?? 60_000);
      if (ttl <= 0) return;
      const preempt = !free && s.holder !== env.from && this.outranks(env.from, s.holder!);
      if (preempt) {
        this.preemptions.push({ at: now, from: s.holder!, to: env.from, fence: s.fence + 1 });
        this.node.log(`lease ${this.resource}: ${env.from} (priority ${this.priority(env.from)}) takes it from ${s.holder} (priority ${this.priority(s.holder!)})`);
      }
      if (free || s.holder === env.from || preempt) {
        if (s.holder !== env.from || free) s.fence++;
        s.holder = env.from;
        s.until = now + ttl;
        s.asked = Number(b.asked) || 0;
        this.armExpiry();
      }
      this.publish(); // granted, renewed, or "taken by someone else"
    } else if (env.kind === LEASE.RELEASE && s.holder === env.from) {
      s.holder = null;
      s.until = now;
      this.publish();
    }
  }

  private priority(device: string): number {
    return this.opts.rule?.priorities.get(device) ?? 0;
  }

  private outranks(requester: string, holder: string): boolean {
    const r = this.opts.rule;
    return r?.rule === "priority" && this.priority(requester) > this.priority(holder);
  }

  private armExpiry(): void {
    if (this.expiry !== undefined) this.node.clock.cancel(this.expiry);
    const until = this.state.until;
    this.expiry = this.node.clock.at(until, () => {
      if (this.state.until === until && this.state.holder !== null) {
        this.state.holder = null;
        this.publish();
      }
    }, Priority.SYSTEM);
  }

  private publish(): void {
    this.node.send(`coord/lease/${this.resource}`, LEASE.STATE, { ...this.state }, { qos: 1, retain: true });
  }
}

export type LeaseEvent = { held: boolean; state: LeaseState };

/** Wants a resource: acquires when free, renews while wanted, releases on request. */
export class LeaseClient {
  private wanted = false;
  private heldUntil = -Infinity;
  private last?: LeaseState;
  private renewTimer?: number;
  private listeners: ((e: LeaseEvent) => void)[] = [];
  private started = false;

  constructor(
    private readonly node: CoordNode,
    readonly resource: string,
    private readonly ttl: number,
  ) {}

  onChange(fn: (e: LeaseEvent) => void): void {
    this.listeners.push(fn);
  }

  /** Holds the lease now (timed from the request, with a 10% margin). */
  held(): boolean {
    return this.node.clock.now() < this.heldUntil;
  }

  /** The fencing token to attach to commands while held. */
  get fence(): number | undefined {
    return this.held() ? this.last?.fence : undefined;
  }

  acquire(): void {
    if (!this.started) {
      this.started = true;
      this.node.on(`coord/lease/${this.resource}`, (env) => this.onState(env));
    }
    this.wanted = true;
    this.request();
  }

  release(): void {
    this.wanted = false;
    if (this.renewTimer !== undefined) this.node.clock.cancel(this.renewTimer);
    this.renewTimer = undefined;
    this.heldUntil = -Infinity;
    this.node.send(`coord/lease/${this.resource}/req`, LEASE.RELEASE, { resource: this.resource });
  }

  private request(): void {
    this.node.send(`coord/lease/${this.resource}/req`, LEASE.ACQUIRE, { resource: this.resource, ttl: this.ttl, asked: this.node.clock.now() });
  }

  private onState(env: Envelope): void {
    if (env.kind !== LEASE.STATE) return;
    const s = env.body as LeaseState;
    if (s?.resource !== this.resource || typeof s.fence !== "number") return;
    // Older states can arrive late on a lossy network: only a newer (fence, until) counts.
    if (this.last && (s.fence < this.last.fence || (s.fence === this.last.fence && s.until < this.last.until && s.holder !== null))) return;
    const wasHeld = this.held();
    this.last = s;
    const mine = s.holder === this.node.id;
    if (mine && this.wanted) {
      // Timed from when we asked, not when the answer came: a slow answer cannot stretch the lease
      // past the owner's expiry (clocks run at the same rate; the margin covers small drift).
      this.heldUntil = Math.min(this.node.clock.now() + this.ttl, s.asked + this.ttl * 0.9);
      if (this.renewTimer !== undefined) this.node.clock.cancel(this.renewTimer);
      this.renewTimer = this.node.clock.after(this.ttl / 3, () => this.wanted && this.request(), Priority.TIMER);
    } else {
      this.heldUntil = -Infinity;
      // Free again: try, if we still want it.
      if (this.wanted && s.holder === null) this.request();
    }
    if (wasHeld !== this.held()) for (const l of this.listeners) l({ held: this.held(), state: s });
  }
}
