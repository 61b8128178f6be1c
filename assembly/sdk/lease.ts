// Leases on shared resources from inside an agent: the same wire as host/coordination/lease.ts.
// The resource's owner (LeaseServer, host or agent) takes "lease.acquire" { resource, ttl, asked }
// and "lease.release" { resource } on coord/lease/<resource>/req and publishes the retained
// "lease.state" { resource, holder | null, until, fence, asked } on coord/lease/<resource>.
// A holder renews every ttl/3 and counts itself holder only until asked + 0.9·ttl, timed from
// its own request, so a slow answer cannot stretch the lease. `fence` grows with each new grant.
import { Message, bus } from "./bus";
import { CborWriter } from "./cbor";
import { clock } from "./clock";
import { publishBytes } from "./presence";

/** Wants a resource: acquires when free, renews while wanted, releases on request. Timer `timerId` renews. */
export class LeaseClient {
  me: string = "";
  holder: string = "";
  fence: i64 = -1;
  until: f64 = 0;
  /** Bumps each time held() may have changed (a state arrived or the lease was released). */
  changes: i32 = 0;
  private wanted: bool = false;
  private heldUntil: f64 = -1;
  private subscribed: bool = false;
  readonly topic: string;

  constructor(public resource: string, public ttl: i32, public timerId: i32 = 120) {
    this.topic = "coord/lease/" + resource;
  }

  /** Holds the lease now (timed from the request, with a 10% margin). */
  held(): bool {
    return clock.now() < this.heldUntil;
  }

  acquire(): void {
    if (!this.subscribed) {
      this.subscribed = true;
      bus.subscribe(this.topic);
    }
    this.wanted = true;
    this.request();
  }

  release(): void {
    this.wanted = false;
    clock.cancel(this.timerId);
    this.heldUntil = -1;
    this.changes++;
    bus.publish(this.topic + "/req", bus.body().str("kind", "lease.release").str("resource", this.resource), 1);
  }

  onTimer(id: i32): bool {
    if (id != this.timerId) return false;
    if (this.wanted) this.request();
    return true;
  }

  /** Feed every message here; true when it was this lease's. */
  onMessage(msg: Message): bool {
    if (msg.topic != this.topic) return false;
    const b = msg.body;
    if (this.me.length == 0) this.me = b.str("me");
    if (b.str("kind") != "lease.state" || b.str("resource") != this.resource || !b.has("fence")) return true;
    const fence = b.int("fence");
    const until = b.f64("until");
    const holder = b.str("holder"); // null (free) reads as ""
    // Older states can arrive late on a lossy network: only a newer (fence, until) counts.
    if (fence < this.fence || (fence == this.fence && until < this.until && holder.length > 0)) return true;
    this.fence = fence;
    this.until = until;
    this.holder = holder;
    if (holder == this.me && this.wanted) {
      const now = clock.now();
      this.heldUntil = min(now + <f64>this.ttl, b.f64("asked") + <f64>this.ttl * 0.9);
      clock.after(max(1, this.ttl / 3), this.timerId);
    } else {
      this.heldUntil = -1;
      if (this.wanted && holder.length == 0) this.request(); // free again: try
    }
    this.changes++;
    return true;
  }

  private request(): void {
    bus.publish(this.topic + "/req", bus.body().str("kind", "lease.acquire").str("resource", this.resource).int("ttl", this.ttl).f64("asked", clock.now()), 1);
  }
}

/** The resource owner's side, in an agent: grants, renews, expires; authorize() gates commands. Timer `timerId` expires. */
export class LeaseServer {
  holder: string = "";
  until: f64 = 0;
  fence: i64 = 0;
  asked: f64 = 0;
  readonly topic: string;

  constructor(public resource: string, public maxTtl: i32 = 60000, public timerId: i32 = 130) {
    this.topic = "coord/lease/" + resource;
  }

  start(): void {
    bus.subscribe(this.topic + "/req");
    this.publish();
  }

  /** True if `holder` holds the lease now under `fence`: gate every actuator command on this. */
  authorize(holder: string, fence: i64): bool {
    return holder.length > 0 && holder == this.holder && fence == this.fence && clock.now() < this.until;
  }

  onTimer(id: i32): bool {
    if (id != this.timerId) return false;
    if (this.holder.length > 0 && clock.now() >= this.until) {
      this.holder = "";
      this.publish();
    }
    return true;
  }

  /** Feed every message here; true when it was this lease's. */
  onMessage(msg: Message): bool {
    if (msg.topic != this.topic + "/req") return false;
    const b = msg.body;
    if (b.str("resource") != this.resource) return true;
    const from = b.str("from");
    const now = clock.now();
    const free = this.holder.length == 0 || now >= this.until;
    const kind = b.str("kind");
    if (kind == "lease.acquire") {
      const ttl = min(b.f64("ttl"), <f64>this.maxTtl);
      if (!(ttl > 0) || from.length == 0) return true;
      if (free || this.holder == from) {
        if (this.holder != from || free) this.fence++;
        this.holder = from;
        this.until = now + ttl;
        this.asked = b.f64("asked");
        clock.after(max(1, <i32>Math.ceil(ttl)), this.timerId);
      }
      this.publish(); // granted, renewed, or "taken by someone else"
    } else if (kind == "lease.release" && from == this.holder && from.length > 0) {
      this.holder = "";
      this.until = now;
      this.publish();
    }
    return true;
  }

  private publish(): void {
    // Written with the CBOR writer: a free lease's holder is null on the wire, which Body cannot say.
    const w = new CborWriter();
    w.mapHead(6);
    w.text("kind").text("lease.state");
    w.text("resource").text(this.resource);
    w.text("holder");
    if (this.holder.length > 0) w.text(this.holder);
    else w.nil();
    w.text("until").f64(this.until);
    w.text("fence").int(this.fence);
    w.text("asked").f64(this.asked);
    publishBytes(this.topic, w.toBytes(), 1);
  }
}
