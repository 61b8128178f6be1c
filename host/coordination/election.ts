// Leader election with terms and leases, per site and role, on colony/<site>/coord/leader/<role>.
// The leader renews its claim ("leader.claim" {term, leader, lease}) every lease/3. A follower
// that hears no renewal for a whole lease (or sees the leader's presence go down) waits a
// per-device backoff and claims term+1. Higher term wins; in one term the smaller device id
// wins. The term is a fencing token: act only on commands carrying the highest term seen.
import { Priority } from "../kernel/scheduler.ts";
import type { Envelope } from "../net/envelope.ts";
import { hashUnit, type CoordNode } from "./node.ts";
import type { Presence } from "./presence.ts";

export const LEADER_CLAIM = "leader.claim";
export const LEADER_RESIGN = "leader.resign";

export interface ClaimBody {
  role: string;
  term: number;
  leader: string;
  /** Lease length, ms. */
  lease: number;
}

export interface ElectionOptions {
  role: string;
  /** Lease, ms. */
  lease?: number;
  /** Longest random wait before claiming, ms (spreads candidates; default lease/4). */
  maxBackoff?: number;
  /** Only devices that may lead stand as candidates. */
  candidate?: boolean;
  /** Leader loss detection through presence (will, timeout): faster than the lease. */
  presence?: Presence;
}

export type LeaderEvent = { leader: string | undefined; term: number };

export class Election {
  term = 0;
  leader: string | undefined;
  private lastRenewal = -Infinity;
  private renewTimer?: number;
  private checkTimer?: number;
  private claimTimer?: number;
  private listeners: ((e: LeaderEvent) => void)[] = [];
  private readonly lease: number;
  private readonly maxBackoff: number;
  private stopped = false;

  constructor(
    private readonly node: CoordNode,
    private readonly opts: ElectionOptions,
  ) {
    this.lease = opts.lease ?? 3000;
    this.maxBackoff = opts.maxBackoff ?? this.lease / 4;
  }

  private get topic(): string {
    return `coord/leader/${this.opts.role}`;
  }

  start(): void {
    this.node.on(this.topic, (env) => this.onClaim(env));
    this.opts.presence?.onChange((e) => {
      if (e.type === "down" && e.peer.id === this.leader) this.leaderLost();
    });
    // A newcomer listens for one lease (the retained claim arrives first) before standing.
    this.lastRenewal = this.node.clock.now();
    this.check();
  }

  onChange(fn: (e: LeaderEvent) => void): void {
    this.listeners.push(fn);
  }

  /** True while this device holds an unexpired lease. */
  isLeader(): boolean {
    return this.leader === this.node.id && this.node.clock.now() - this.lastRenewal < this.lease;
  }

  /** Step down cleanly: others elect at once instead of waiting for the lease. */
  stop(): void {
    this.stopped = true;
    for (const t of [this.renewTimer, this.checkTimer, this.claimTimer]) if (t !== undefined) this.node.clock.cancel(t);
    if (this.leader === this.node.id) this.node.send(this.topic, LEADER_RESIGN, { role: this.opts.role, term: this.term, leader: this.node.id }, { qos: 1, retain: true });
  }

  private onClaim(env: Envelope): void {
    const b = env.body as ClaimBody;
    if (typeof b?.term !== "number" || typeof b.leader !== "string" || b.role !== this.opts.role || b.leader !== env.from) return;
    if (env.kind === LEADER_RESIGN) {
      if (b.term === this.term && b.leader === this.leader) this.leaderLost();
      return;
    }
    if (env.kind !== LEADER_CLAIM) return;
    const better = b.term > this.term || (b.term === this.term && (this.leader === undefined || b.leader <= this.leader));
    if (!better) {
      // A stale or losing claim: if we lead, remind the claimant with our own claim.
      if (this.isLeader()) this.renew();
      return;
    }
    const changed = b.leader !== this.leader || b.term !== this.term;
    this.term = b.term;
    this.leader = b.leader;
    if (b.leader !== this.node.id) {
      this.lastRenewal = this.node.clock.now();
      if (this.renewTimer !== undefined) this.node.clock.cancel(this.renewTimer);
      this.renewTimer = undefined;
      if (this.claimTimer !== undefined) this.node.clock.cancel(this.claimTimer);
      this.claimTimer = undefined;
    }
    if (changed) this.emit();
  }

  private check(): void {
    if (this.stopped) return;
    const now = this.node.clock.now();
    if (this.leader !== this.node.id && now - this.lastRenewal >= this.lease) this.leaderLost();
    this.checkTimer = this.node.clock.after(this.lease / 4, () => this.check(), Priority.SYSTEM);
  }

  private leaderLost(): void {
    if (this.stopped || this.opts.candidate === false || this.claimTimer !== undefined) return;
    if (this.leader !== undefined && this.leader !== this.node.id) {
      this.leader = undefined;
      this.emit();
    }
    const wait = hashUnit(this.node.id, this.term) * this.maxBackoff;
    const termSeen = this.term;
    this.claimTimer = this.node.clock.after(wait, () => {
      this.claimTimer = undefined;
      // Someone else claimed meanwhile: stand down.
      if (this.term !== termSeen && this.leader !== undefined) return;
      this.term = termSeen + 1;
      this.leader = this.node.id;
      this.emit();
      this.renew();
    }, Priority.SYSTEM);
  }

  private renew(): void {
    if (this.stopped || this.leader !== this.node.id) return;
    this.lastRenewal = this.node.clock.now();
    const body: ClaimBody = { role: this.opts.role, term: this.term, leader: this.node.id, lease: this.lease };
    this.node.send(this.topic, LEADER_CLAIM, body, { qos: 1, retain: true });
    if (this.renewTimer !== undefined) this.node.clock.cancel(this.renewTimer);
    this.renewTimer = this.node.clock.after(this.lease / 3, () => this.renew(), Priority.SYSTEM);
  }

  private emit(): void {
    for (const l of this.listeners) l({ leader: this.leader, term: this.term });
  }
}
