// Leader election from inside an agent: the same wire and rules as host/coordination/election.ts,
// so AssemblyScript and host candidates stand in one election. Retained "leader.claim"
// { role, term, leader, lease } on coord/leader/<role>, renewed every lease/3. A follower that
// hears no renewal for a whole lease (or is told the leader's presence went down) waits a random
// backoff in [0, maxBackoff) and claims term + 1 unless a claim came meanwhile. Higher term wins;
// in one term the smaller device id. The term is the fencing token.
// The agent does not know its device id until the first delivery tells it (`me`): its claims
// name the leader "$device", which the device's coordination port replaces.
import { Message, bus } from "./bus";
import { clock } from "./clock";
import { random } from "./random";

export class Election {
  term: i64 = 0;
  /** The leader's device id ("" when none is known). */
  leader: string = "";
  me: string = "";
  /** Bumps on every change of leader or term (poll it, or read leader/term after a message). */
  changes: i32 = 0;
  private leading: bool = false;
  private lastRenewal: f64 = 0;
  private claimPending: bool = false;
  private termSeen: i64 = 0;
  private running: bool = false;
  readonly topic: string;

  /**
   * Timers `timerBase` (check, every lease/4), `timerBase + 1` (claim after backoff) and
   * `timerBase + 2` (renewal) are used.
   */
  constructor(public role: string, public lease: i32 = 3000, public candidate: bool = true, public timerBase: i32 = 110, public maxBackoff: i32 = -1) {
    this.topic = "coord/leader/" + role;
    if (this.maxBackoff < 0) this.maxBackoff = lease / 4;
  }

  /** Listens for one lease (the retained claim comes first) before standing. */
  start(): void {
    bus.subscribe(this.topic);
    this.running = true;
    this.lastRenewal = clock.now();
    clock.every(max(1, this.lease / 4), this.timerBase);
  }

  /** True while this device holds an unexpired lease. */
  isLeader(): bool {
    return this.leading && clock.now() - this.lastRenewal < <f64>this.lease;
  }

  /** Steps down cleanly: others elect at once instead of waiting for the lease. */
  stop(): void {
    this.running = false;
    for (let i = 0; i < 3; i++) clock.cancel(this.timerBase + i);
    if (this.leading) bus.publish(this.topic, bus.body().str("kind", "leader.resign").str("role", this.role).int("term", this.term).str("leader", "$device"), 1);
    this.leading = false;
  }

  /** Tell the election a peer's presence went down: if it led, elect now. */
  peerDown(id: string): void {
    if (id == this.leader && !this.leading) this.leaderLost();
  }

  /** Feed every timer here; true when it was the election's. */
  onTimer(id: i32): bool {
    if (id == this.timerBase) {
      if (this.running && !this.leading && clock.now() - this.lastRenewal >= <f64>this.lease) this.leaderLost();
    } else if (id == this.timerBase + 1) {
      this.claimPending = false;
      if (!this.running || (this.term != this.termSeen && this.leader.length > 0)) return true; // someone claimed meanwhile
      this.term = this.termSeen + 1;
      this.leader = this.me;
      this.leading = true;
      this.changes++;
      this.renew();
    } else if (id == this.timerBase + 2) {
      this.renew();
    } else return false;
    return true;
  }

  /** Feed every message here; true when it was the election's. */
  onMessage(msg: Message): bool {
    if (msg.topic != this.topic) return false;
    const b = msg.body;
    if (this.me.length == 0) {
      this.me = b.str("me");
      if (this.leading) this.leader = this.me;
    }
    const from = b.str("from");
    const leader = b.str("leader");
    const term = b.int("term", -1);
    if (b.str("role") != this.role || term < 0 || leader.length == 0 || leader != from || !this.running) return true;
    const kind = b.str("kind");
    if (kind == "leader.resign") {
      if (term == this.term && leader == this.leader && !this.leading) this.leaderLost();
      return true;
    }
    if (kind != "leader.claim") return true;
    const better = term > this.term || (term == this.term && (this.leader.length == 0 || leader <= this.leader));
    if (!better) {
      // A stale or losing claim: if we lead, remind the claimant with our own claim.
      if (this.isLeader()) this.renew();
      return true;
    }
    const changed = leader != this.leader || term != this.term;
    this.term = term;
    this.leader = leader;
    if (leader != this.me) {
      this.leading = false;
      this.lastRenewal = clock.now();
      clock.cancel(this.timerBase + 2);
      if (this.claimPending) {
        clock.cancel(this.timerBase + 1);
        this.claimPending = false;
      }
    }
    if (changed) this.changes++;
    return true;
  }

  private leaderLost(): void {
    if (!this.running || !this.candidate || this.claimPending) return;
    if (this.leader.length > 0 && !this.leading) {
      this.leader = "";
      this.changes++;
    }
    this.termSeen = this.term;
    this.claimPending = true;
    clock.after(max(1, <i32>(random.float() * <f64>this.maxBackoff)), this.timerBase + 1);
  }

  private renew(): void {
    if (!this.running || !this.leading) return;
    this.lastRenewal = clock.now();
    bus.publish(this.topic, bus.body().str("kind", "leader.claim").str("role", this.role).int("term", this.term).str("leader", "$device").int("lease", this.lease), 1);
    clock.after(max(1, this.lease / 3), this.timerBase + 2);
  }
}
