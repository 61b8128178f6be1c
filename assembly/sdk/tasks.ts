// Contract-net from inside an agent: a manager announces a task, contractors
// bid, the manager awards the best bid, the winner accepts, works and reports.
// Messages are CBOR maps on `cnet/*` topics (docs/protocol.md, "Contract-net
// between agents"); every message names the task and its round, so a
// re-auction never mixes with an old one.
import { Body, Fields } from "./body";
import { Message, bus } from "./bus";
import { clock } from "./clock";
import { random } from "./random";
import { Reputation } from "./reputation";

// Topic and kind names are literals where used: a top-level string constant would sit in
// the data of every agent that imports the SDK, used or not.

/** A fresh identity for this agent's bids and tasks (agents do not know their device's name). */
export function newId(prefix: string): string {
  return prefix + "-" + random.uint().toString(16);
}

const MAX_BIDS_KEPT = 4;

export class Bid {
  /** what the bidder asks to be paid (integer units), -1 for an unpriced bid; and to which account */
  price: f64 = -1;
  payee: string = "";
  constructor(public bidder: string, public cost: f64, public eta: f64) {}
}

/** Manager side of one task. Timers `timerBase` and `timerBase + 1` are used for the bid window and the deadline. */
export class TaskManager {
  round: i32 = 0;
  bids: Bid[] = [];
  refused: string[] = [];
  contractor: string = "";
  state: string = "idle";
  result: Fields = Fields.empty();
  /** when set, bids rank by cost / reputation, bidders under its floor are not awarded, and this manager's own outcomes (refusals, failures, no-shows) are published as evidence */
  reputation: Reputation | null = null;
  /** >= 0: only priced bids up to this are kept (the manager's budget, assembly/sdk/economy.ts) */
  maxPrice: f64 = -1;
  /** what the site policy gives this manager (the kernel refuses a call or award that claims otherwise); contractors rank competing awards by it */
  priority: i32 = 0;
  preempt: bool = false;
  /** the last failure was the contractor dropping this task for a higher-priority one (its bond is owed back) */
  preempted: bool = false;
  /** the contractor of this award said it took the job (a contractor that refused, or never answered, posted no bond) */
  accepted: bool = false;

  constructor(public id: string, public capability: string, public spec: Body, public bidWindowMs: i32, public timerBase: i32) {}

  /** Calls for proposals (again, in a new round, after a refusal or a failure). */
  announce(deadlineMs: i32): void {
    this.round++;
    this.bids = [];
    this.contractor = "";
    this.state = "bidding";
    this.preempted = false;
    bus.publish("cnet/cfp", this.standing(bus.body().str("kind", "cnet.cfp").str("task", this.id).int("round", this.round).str("capability", this.capability).map("spec", this.spec).f64("bidUntil", clock.now() + <f64>this.bidWindowMs)), 1);
    clock.after(this.bidWindowMs, this.timerBase);
    clock.after(deadlineMs, this.timerBase + 1);
  }

  /** Feed every message here; true when it was this task's. */
  onMessage(msg: Message): bool {
    const b = msg.body;
    if (b.str("task") != this.id || <i32>b.int("round") != this.round) return false;
    const kind = b.str("kind");
    if (kind == "cnet.bid" && this.state == "bidding") {
      const bid = new Bid(b.str("bidder"), b.f64("cost"), b.f64("eta"));
      bid.price = b.f64("price", -1);
      bid.payee = b.str("payee");
      if (this.maxPrice < 0 || (bid.price >= 0 && bid.price <= this.maxPrice)) this.keep(bid);
    } else if (kind == "cnet.refuse" && b.str("from") == this.contractor) {
      this.refused.push(this.contractor);
      this.evidence("refused");
      this.awardBest();
    } else if (kind == "cnet.done" && b.str("from") == this.contractor && this.state == "awarded") {
      this.state = "done";
      this.result = b.map("result");
    } else if (kind == "cnet.failed" && b.str("from") == this.contractor) {
      this.refused.push(this.contractor);
      // taken off by a higher-priority task: the site's rule, not the contractor's failing
      this.preempted = b.str("reason").startsWith("preempted by ");
      if (!this.preempted) this.evidence("failed");
      this.state = "failed";
    } else if (kind == "cnet.accept" && b.str("from") == this.contractor) {
      this.accepted = true;
    } else return kind == "cnet.progress";
    return true;
  }

  /** Feed every timer here; true when it was this task's. */
  onTimer(id: i32): bool {
    if (id == this.timerBase) {
      if (this.state == "bidding") this.awardBest();
      return true;
    }
    if (id == this.timerBase + 1) {
      // awarded and silent to the deadline: the winner did not honour its bid
      if (this.state == "awarded") this.evidence("no-show");
      if (this.state == "awarded" || this.state == "bidding") this.state = "failed";
      return true;
    }
    return false;
  }

  /** Keeps the best few bids only (enough to re-award after refusals): a call may draw a thousand. */
  private keep(bid: Bid): void {
    const bids = this.bids;
    if (bids.length < MAX_BIDS_KEPT) {
      bids.push(bid);
      return;
    }
    let worst = 0;
    for (let i = 1; i < bids.length; i++) if (this.rank(unchecked(bids[i])) > this.rank(unchecked(bids[worst]))) worst = i;
    if (this.rank(bid) < this.rank(unchecked(bids[worst]))) unchecked((bids[worst] = bid));
  }

  /** What a bid is compared by: its cost, or its cost over the bidder's reputation (a cheap bid from a liar is dear). */
  private rank(bid: Bid): f64 {
    const rep = this.reputation;
    return rep === null ? bid.cost : bid.cost / rep.score(bid.bidder);
  }

  /** The priority fields of a call or an award; none when the manager has the default (0, no preemption). */
  private standing(body: Body): Body {
    if (this.priority != 0) body.int("priority", this.priority);
    if (this.preempt) body.bool("preempt", true);
    return body;
  }

  private evidence(outcome: string): void {
    const rep = this.reputation;
    if (rep !== null && this.contractor.length > 0) rep.report(this.id, this.contractor, outcome);
  }

  private awardBest(): void {
    const rep = this.reputation;
    let best: Bid | null = null;
    let passedOver = 0;
    for (let i = 0; i < this.bids.length; i++) {
      const b = unchecked(this.bids[i]);
      if (this.refused.includes(b.bidder)) continue;
      if (rep !== null && !rep.trusted(b.bidder)) {
        passedOver++;
        continue;
      }
      if (best === null || this.rank(b) < this.rank(best) || (this.rank(b) == this.rank(best) && b.bidder < best.bidder)) best = b;
    }
    if (best === null) {
      this.state = "failed";
      return;
    }
    this.contractor = best.bidder;
    this.accepted = false;
    this.state = "awarded";
    const award = bus.body().str("kind", "cnet.award").str("task", this.id).int("round", this.round).str("to", best.bidder).f64("cost", best.cost);
    // the timeline shows why this bid won: its score and how many bids reputation kept out
    if (rep !== null) award.f64("reputation", rep.score(best.bidder)).int("passedOver", passedOver);
    bus.publish("cnet/award", this.standing(award), 1);
  }
}

/** Contractor side: answers calls, learns of awards, reports. */
export class Contractor {
  /** the job accepted and not yet reported */
  task: string = "";
  round: i32 = 0;
  private offered: string = "";
  private offeredRound: i32 = 0;
  constructor(public id: string, public capability: string) {}

  /** A call for proposals for a capability this contractor has, or null. */
  cfp(msg: Message): Fields | null {
    const b = msg.body;
    if (b.str("kind") != "cnet.cfp" || b.str("capability") != this.capability) return null;
    return b;
  }

  /** A bid; a priced one (price >= 0) also names the account to pay. */
  bid(cfp: Fields, cost: f64, eta: f64, price: f64 = -1, payee: string = ""): void {
    const body = bus.body().str("kind", "cnet.bid").str("task", cfp.str("task")).int("round", cfp.int("round")).str("bidder", this.id).f64("cost", cost).f64("eta", eta).str("capability", this.capability);
    if (price >= 0) body.f64("price", price).str("payee", payee);
    bus.publish("cnet/reply", body, 1);
  }

  /** The award, if this message awards a task to this contractor; answer it with accept() or refuse(). */
  award(msg: Message): Fields | null {
    const b = msg.body;
    if (b.str("kind") != "cnet.award" || b.str("to") != this.id) return null;
    this.offered = b.str("task");
    this.offeredRound = <i32>b.int("round");
    return b;
  }

  /** Makes an award offered earlier the one accept() or refuse() answers (a contractor weighing several, assembly/sdk/conflicts.ts). */
  choose(task: string, round: i32): void {
    this.offered = task;
    this.offeredRound = round;
  }

  /** Takes the last award: it becomes the job progress/done/failed report on. */
  accept(): void {
    this.task = this.offered;
    this.round = this.offeredRound;
    this.reply("cnet.accept", bus.body());
  }

  /** Turns the last award down (busy with another job): the manager awards the next best bid. */
  refuse(reason: string): void {
    bus.publish("cnet/reply", bus.body().str("reason", reason).str("kind", "cnet.refuse").str("task", this.offered).int("round", this.offeredRound).str("from", this.id), 1);
  }

  progress(fraction: f64): void {
    this.reply("cnet.progress", bus.body().f64("progress", fraction));
  }

  done(result: Body): void {
    this.reply("cnet.done", bus.body().map("result", result));
    this.task = "";
  }

  failed(reason: string): void {
    this.reply("cnet.failed", bus.body().str("reason", reason));
    this.task = "";
  }

  private reply(kind: string, body: Body): void {
    bus.publish("cnet/reply", body.str("kind", kind).str("task", this.task).int("round", this.round).str("from", this.id), 1);
  }
}
