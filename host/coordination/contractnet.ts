// Contract-net task allocation. A manager announces a task ("cnet.cfp" on colony/<site>/coord/cnet/cfp);
// able devices bid {cost, eta, capability}; the manager awards the best bid (lowest cost, then
// eta, then id); the contractor accepts or refuses, reports progress, then done or failed.
// Point-to-point messages go to colony/<site>/coord/cnet/to/<device>. Every award has a round number:
// when a winner refuses, fails, goes silent or its presence goes down, the manager cancels it and
// re-auctions in a new round, and only the current round's "done" counts: a task completes
// exactly once. A task not done by its deadline is cancelled and failed.
import { Priority } from "../kernel/scheduler.ts";
import type { Envelope } from "../net/envelope.ts";
import type { CoordNode } from "./node.ts";
import type { Presence } from "./presence.ts";

export const CNET = {
  CFP: "cnet.cfp",
  BID: "cnet.bid",
  AWARD: "cnet.award",
  ACCEPT: "cnet.accept",
  REFUSE: "cnet.refuse",
  PROGRESS: "cnet.progress",
  DONE: "cnet.done",
  FAILED: "cnet.failed",
  CANCEL: "cnet.cancel",
} as const;

export interface Cfp {
  task: string;
  round: number;
  manager: string;
  capability: string;
  spec: unknown;
  /** Bids after this time (ms, manager's clock) are ignored. */
  bidUntil: number;
  deadline: number;
}

export interface Bid {
  task: string;
  round: number;
  bidder: string;
  cost: number;
  eta: number;
  capability: string;
}

export interface TaskSpec {
  id: string;
  capability: string;
  spec?: unknown;
  /** Absolute deadline, ms. */
  deadline: number;
  /** How long bids are collected, ms. */
  bidWindow?: number;
}

export type TaskState = "bidding" | "awarded" | "running" | "done" | "failed";

export interface TaskRecord {
  id: string;
  capability: string;
  spec: unknown;
  deadline: number;
  state: TaskState;
  round: number;
  bids: Map<string, Bid>;
  excluded: Set<string>;
  contractor?: string;
  result?: unknown;
  reason?: string;
  announcedAt: number;
  awardedAt?: number;
  settledAt?: number;
  lastProgress: number;
  progress: number;
}

export interface ManagerOptions {
  presence?: Presence;
  bidWindow?: number;
  /** Time for the winner to accept, ms. */
  acceptTimeout?: number;
  /** Silence from a running contractor after which it is presumed gone, ms. */
  progressTimeout?: number;
  /** Pause before re-announcing a task nobody bid on, ms. */
  rebid?: number;
}

const to = (device: string) => `coord/cnet/to/${device}`;

export class Manager {
  readonly tasks = new Map<string, TaskRecord>();
  private listeners: ((t: TaskRecord) => void)[] = [];
  private timers = new Map<string, number[]>();
  private readonly o: Required<Omit<ManagerOptions, "presence">>;

  constructor(
    private readonly node: CoordNode,
    private readonly opts: ManagerOptions = {},
  ) {
    this.o = { bidWindow: 500, acceptTimeout: 1000, progressTimeout: 2000, rebid: 500, ...opts };
  }

  start(): void {
    this.node.on(to(this.node.id), (env) => this.onMessage(env));
    this.opts.presence?.onChange((e) => {
      if (e.type !== "down") return;
      for (const t of this.tasks.values())
        if ((t.state === "running" || t.state === "awarded") && t.contractor === e.peer.id) this.reauction(t, `contractor ${e.peer.id} down (${e.why})`);
    });
  }

  /** Called once per task when it is done or failed. */
  onSettled(fn: (t: TaskRecord) => void): void {
    this.listeners.push(fn);
  }

  announce(spec: TaskSpec): TaskRecord {
    if (this.tasks.has(spec.id)) throw new Error(`task ${spec.id} was already announced`);
    const now = this.node.clock.now();
    const t: TaskRecord = {
      id: spec.id, capability: spec.capability, spec: spec.spec ?? null, deadline: spec.deadline, state: "bidding", round: 0,
      bids: new Map(), excluded: new Set(), announcedAt: now, lastProgress: now, progress: 0,
    };
    this.tasks.set(spec.id, t);
    this.later(t, spec.deadline - now, () => this.settle(t, "failed", "deadline expired"));
    this.cfp(t, spec.bidWindow ?? this.o.bidWindow);
    return t;
  }

  private cfp(t: TaskRecord, window: number): void {
    t.round++;
    t.state = "bidding";
    t.bids.clear();
    t.contractor = undefined;
    const now = this.node.clock.now();
    const cfp: Cfp = { task: t.id, round: t.round, manager: this.node.id, capability: t.capability, spec: t.spec, bidUntil: now + window, deadline: t.deadline };
    this.node.send("coord/cnet/cfp", CNET.CFP, cfp);
    const round = t.round;
    this.later(t, window, () => {
      if (t.round === round && t.state === "bidding") this.award(t);
    });
  }

  private award(t: TaskRecord): void {
    const ranked = [...t.bids.values()]
      .filter((b) => !t.excluded.has(b.bidder))
      .sort((a, b) => a.cost - b.cost || a.eta - b.eta || (a.bidder < b.bidder ? -1 : 1));
    const best = ranked[0];
    if (!best) {
      // Nobody (left) to do it: announce again while the deadline allows.
      t.state = "bidding";
      t.contractor = undefined;
      if (this.node.clock.now() + this.o.rebid < t.deadline) {
        t.excluded.clear();
        const round = t.round;
        this.later(t, this.o.rebid, () => {
          if (t.round === round && t.state === "bidding") this.cfp(t, this.o.bidWindow);
        });
      }
      return;
    }
    t.state = "awarded";
    t.contractor = best.bidder;
    t.awardedAt = this.node.clock.now();
    this.node.send(to(best.bidder), CNET.AWARD, { task: t.id, round: t.round, manager: this.node.id, to: best.bidder, spec: t.spec, deadline: t.deadline, capability: t.capability });
    const round = t.round;
    this.later(t, this.o.acceptTimeout, () => {
      if (t.round === round && t.state === "awarded") this.nextBidder(t, `no accept from ${best.bidder}`);
    });
  }

  /** The winner refused or never answered: award the next bid of the same round. */
  private nextBidder(t: TaskRecord, why: string): void {
    if (t.contractor) {
      this.node.send(to(t.contractor), CNET.CANCEL, { task: t.id, round: t.round, why });
      t.excluded.add(t.contractor);
    }
    this.award(t);
  }

  /** The winner is gone or failed mid-task: cancel it and start a new round. */
  private reauction(t: TaskRecord, why: string): void {
    if (t.contractor) {
      this.node.send(to(t.contractor), CNET.CANCEL, { task: t.id, round: t.round, why });
      t.excluded.add(t.contractor);
    }
    this.node.log(`task ${t.id} round ${t.round}: ${why}; re-auction`);
    this.cfp(t, this.o.bidWindow);
  }

  private watchProgress(t: TaskRecord, round: number): void {
    this.later(t, this.o.progressTimeout / 2, () => {
      if (t.round !== round || t.state !== "running") return;
      if (this.node.clock.now() - t.lastProgress > this.o.progressTimeout) this.reauction(t, `no progress from ${t.contractor}`);
      else this.watchProgress(t, round);
    });
  }

  private onMessage(env: Envelope): void {
    const b = env.body as { task?: unknown; round?: unknown };
    if (typeof b?.task !== "string" || typeof b.round !== "number") return;
    const t = this.tasks.get(b.task);
    if (!t) return;
    const current = b.round === t.round && env.from === t.contractor;
    switch (env.kind) {
      case CNET.BID: {
        const bid = env.body as Bid;
        if (t.state !== "bidding" || b.round !== t.round || bid.bidder !== env.from || bid.capability !== t.capability) return;
        if (typeof bid.cost !== "number" || typeof bid.eta !== "number") return;
        t.bids.set(env.from, bid);
        return;
      }
      case CNET.ACCEPT:
        if (current && t.state === "awarded") {
          t.state = "running";
          t.lastProgress = this.node.clock.now();
          this.watchProgress(t, t.round);
        } else if (!current && t.state !== "done") {
          // A late accept from a superseded winner: make sure it does not work.
          this.node.send(to(env.from), CNET.CANCEL, { task: t.id, round: b.round, why: "superseded" });
        }
        return;
      case CNET.REFUSE:
        if (current && t.state === "awarded") this.nextBidder(t, `${env.from} refused`);
        return;
      case CNET.PROGRESS:
        if (current) {
          t.lastProgress = this.node.clock.now();
          t.progress = Number((env.body as { progress?: unknown }).progress) || t.progress;
        }
        return;
      case CNET.DONE:
        if (current && (t.state === "running" || t.state === "awarded")) {
          t.result = (env.body as { result?: unknown }).result;
          this.settle(t, "done");
        }
        return;
      case CNET.FAILED:
        if (current && (t.state === "running" || t.state === "awarded")) this.reauction(t, `${env.from} failed: ${String((env.body as { reason?: unknown }).reason)}`);
        return;
    }
  }

  private settle(t: TaskRecord, state: "done" | "failed", reason?: string): void {
    if (t.state === "done" || t.state === "failed") return;
    if (state === "failed" && t.contractor) this.node.send(to(t.contractor), CNET.CANCEL, { task: t.id, round: t.round, why: reason });
    t.state = state;
    if (reason) t.reason = reason;
    t.settledAt = this.node.clock.now();
    for (const h of this.timers.get(t.id) ?? []) this.node.clock.cancel(h);
    this.timers.delete(t.id);
    for (const l of this.listeners) l(t);
  }

  private later(t: TaskRecord, ms: number, fn: () => void): void {
    const list = this.timers.get(t.id) ?? [];
    list.push(this.node.clock.after(Math.max(0, ms), fn, Priority.TIMER));
    this.timers.set(t.id, list);
  }
}

// ---- contractor side ----

export interface Job {
  task: string;
  round: number;
  manager: string;
  capability: string;
  spec: unknown;
  deadline: number;
}

export interface JobControl {
  /** Fraction done, 0..1. */
  progress(fraction: number): void;
  done(result?: unknown): void;
  failed(reason: string): void;
  readonly cancelled: boolean;
  onCancel(fn: () => void): void;
}

export interface ContractorOptions {
  capabilities: string[];
  /** A bid for this call, or undefined to stay out. */
  bid(cfp: Cfp): { cost: number; eta: number } | undefined;
  /** Do the work; report through `ctl`. */
  perform(job: Job, ctl: JobControl): void;
  maxConcurrent?: number;
  /** Progress heartbeat period while a job runs, ms. */
  progressEvery?: number;
}

interface Running {
  job: Job;
  cancelled: boolean;
  finished: boolean;
  fraction: number;
  onCancel: (() => void)[];
  timer?: number;
}

export class Contractor {
  /** Jobs by task id (the latest round we hold). */
  readonly jobs = new Map<string, Running>();

  constructor(
    private readonly node: CoordNode,
    private readonly opts: ContractorOptions,
  ) {}

  start(): void {
    this.node.on("coord/cnet/cfp", (env) => this.onCfp(env));
    this.node.on(to(this.node.id), (env) => this.onDirect(env));
  }

  get busy(): number {
    return [...this.jobs.values()].filter((r) => !r.finished && !r.cancelled).length;
  }

  private onCfp(env: Envelope): void {
    const c = env.body as Cfp;
    if (env.kind !== CNET.CFP || typeof c?.task !== "string" || c.manager !== env.from) return;
    if (!this.opts.capabilities.includes(c.capability)) return;
    const offer = this.opts.bid(c);
    if (!offer) return;
    const bid: Bid = { task: c.task, round: c.round, bidder: this.node.id, cost: offer.cost, eta: offer.eta, capability: c.capability };
    this.node.send(to(c.manager), CNET.BID, bid);
  }

  private onDirect(env: Envelope): void {
    const b = env.body as Job & { why?: string };
    if (typeof b?.task !== "string" || typeof b.round !== "number") return;
    if (env.kind === CNET.AWARD) return this.onAward(env.from, b);
    if (env.kind === CNET.CANCEL) {
      const r = this.jobs.get(b.task);
      if (r && r.job.round <= b.round && !r.finished && !r.cancelled) this.cancel(r);
    }
  }

  private onAward(manager: string, job: Job): void {
    if (job.manager !== manager) return;
    const reply = (kind: string) => this.node.send(to(manager), kind, { task: job.task, round: job.round });
    const existing = this.jobs.get(job.task);
    if (existing && existing.job.round === job.round) return reply(CNET.ACCEPT); // a repeated award
    if (existing && existing.job.round > job.round) return; // a stale award
    if (existing && !existing.finished && !existing.cancelled) this.cancel(existing);
    if (this.busy >= (this.opts.maxConcurrent ?? 1)) return reply(CNET.REFUSE);
    const r: Running = { job, cancelled: false, finished: false, fraction: 0, onCancel: [] };
    this.jobs.set(job.task, r);
    reply(CNET.ACCEPT);
    this.heartbeat(r);
    const msg = (kind: string, extra: object) => this.node.send(to(manager), kind, { task: job.task, round: job.round, ...extra });
    const ctl: JobControl = {
      progress: (fraction) => {
        if (r.finished || r.cancelled) return;
        r.fraction = fraction;
        msg(CNET.PROGRESS, { progress: fraction });
      },
      done: (result) => {
        if (r.finished || r.cancelled) return;
        this.finish(r);
        msg(CNET.DONE, { result: result ?? null });
      },
      failed: (reason) => {
        if (r.finished || r.cancelled) return;
        this.finish(r);
        msg(CNET.FAILED, { reason });
      },
      get cancelled() {
        return r.cancelled;
      },
      onCancel: (fn) => r.onCancel.push(fn),
    };
    this.opts.perform(job, ctl);
  }

  private heartbeat(r: Running): void {
    const every = this.opts.progressEvery ?? 500;
    r.timer = this.node.clock.after(every, () => {
      if (r.finished || r.cancelled) return;
      this.node.send(to(r.job.manager), CNET.PROGRESS, { task: r.job.task, round: r.job.round, progress: r.fraction });
      this.heartbeat(r);
    }, Priority.TIMER);
  }

  private finish(r: Running): void {
    r.finished = true;
    if (r.timer !== undefined) this.node.clock.cancel(r.timer);
  }

  private cancel(r: Running): void {
    r.cancelled = true;
    if (r.timer !== undefined) this.node.clock.cancel(r.timer);
    for (const f of r.onCancel) f();
  }
}
