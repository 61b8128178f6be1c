// Priced contract-net over the device's wallet: what a job costs a robot (its price), the
// manager's budget and escrowed contracts (Purse), and the contractor's bond (Bond).
// An award locks the price in escrow from the manager's wallet with the manager as arbiter;
// a verified result releases it to the contractor, a failure or timeout refunds it. The
// contractor locks a bond (a share of the price) when it accepts: returned when it delivers,
// kept by the manager when it does not. Without a wallet on the device all of it is a no-op.
import { Body, Fields } from "./body";
import { clock } from "./clock";
import { log } from "./log";
import { Contractor, TaskManager } from "./tasks";
import { wallet } from "./wallet";

/**
 * A robot's price for a job, in integer units: the energy it spends (the walk at joulesPerMetre,
 * and its board at boardMw for the job's time, in mJ), the time, the wear of its actuator per
 * metre, and a premium as its battery runs low. The tariff and boardMw come from the config
 * (the simulator fills boardMw from the board profile).
 */
export function price(cfg: Fields, metres: f64, seconds: f64, battery: f64): f64 {
  const t = cfg.map("tariff");
  const mJ = metres * cfg.f64("joulesPerMetre", 20) * 1000 + cfg.f64("boardMw", 100) * seconds;
  const low = battery < 0 ? 0 : battery > 1 ? 0 : 1 - battery;
  return Math.ceil(mJ * t.f64("perMj", 0.0001) + seconds * t.f64("perSecond", 1) + metres * t.f64("wearPerMetre", 0.5) + low * t.f64("lowBattery", 40));
}

function refusedNow(h: i32): bool {
  return h < 0 || wallet.status(h) == wallet.REFUSED;
}

class Contract {
  state: string = "locked";
  constructor(public task: string, public round: i32, public bidder: string, public payee: string, public amount: f64, public escrow: string) {}
}

const HOUR_MS: f64 = 3600000;
const CONTRACTS_KEPT = 8;

/** The manager's side: budget per task and per hour, and the escrow of each award. */
export class Purse {
  me: string = wallet.id();
  perTask: f64;
  perHour: f64;
  penalty: f64;
  hour: f64 = -1;
  /** every lock this hour counts, refunded or not: the budget is never passed, even by retries */
  spentThisHour: f64 = 0;
  paid: f64 = 0;
  contracts: Contract[] = [];

  constructor(cfg: Fields) {
    const b = cfg.map("budget");
    this.perTask = b.f64("perTask", 200);
    this.perHour = b.f64("perHour", 2000);
    this.penalty = b.f64("penalty", 0.2);
  }

  /** Adds the terms contractors need to the task's spec: who pays, and the bond's share of the price. */
  terms(spec: Body): Body {
    if (this.me == "") return spec;
    return spec.str("payer", this.me).f64("penalty", this.penalty);
  }

  /** Before a call: the task keeps only bids this manager can pay within its budgets and balance. */
  cap(t: TaskManager): void {
    if (this.me == "") return;
    this.roll();
    let c = this.perTask;
    const hourLeft = this.perHour - this.spentThisHour;
    if (hourLeft < c) c = hourLeft;
    const bal = wallet.balance();
    if (bal < c) c = bal;
    t.maxPrice = c > 0 ? Math.floor(c) : 0;
  }

  /** After every message or timer the task took: escrow for a new award, refund on failure. */
  follow(t: TaskManager): void {
    if (this.me == "") return;
    const c = this.find(t.id);
    if (t.state == "awarded" && (c === null || c.round != t.round || c.bidder != t.contractor)) {
      // the award before this one in the same round was refused by its winner: nothing was delivered, nothing posted
      if (c !== null && c.state == "locked") this.close(c, false, false);
      this.lockFor(t);
    } else if (t.state == "failed" && c !== null && c.state == "locked" && t.preempted) {
      // the site's priorities took the contractor off this job: nobody is paid, nobody loses a bond
      log.info("contract " + c.escrow + " preempted: refund, and the contractor's bond is returned");
      wallet.refund(c.escrow + "/bond");
      this.close(c, false, false);
    } else if (t.state == "failed" && c !== null && c.state == "locked") {
      // a winner that refused (or never answered) posted no bond: only the escrow goes back
      if (t.accepted) log.warn("contract " + c.escrow + " failed: refund, and the contractor's bond is kept");
      else log.warn("contract " + c.escrow + " not taken up: refund");
      this.close(c, false, t.accepted);
    }
  }

  /** The manager's check of a reported result: pay (and return the bond) or refund (and keep it). */
  settle(t: TaskManager, verified: bool): void {
    this.settleTask(t.id, verified);
  }

  /** As settle(), by task id: for a verifier's attestation that comes after the task was let go. */
  settleTask(task: string, verified: bool): void {
    const c = this.find(task);
    if (c === null || c.state != "locked") return;
    if (verified) {
      wallet.release(c.escrow);
      wallet.refund(c.escrow + "/bond");
      c.state = "released";
      this.paid += c.amount;
      log.info("paid " + c.amount.toString() + " to " + c.payee + " for " + task);
    } else {
      log.warn("result of " + task + " not verified: refund, and the contractor's bond is kept");
      this.close(c, false, true);
    }
  }

  private lockFor(t: TaskManager): void {
    let amount: f64 = -1;
    let payee = "";
    for (let i = 0; i < t.bids.length; i++) {
      const b = unchecked(t.bids[i]);
      if (b.bidder == t.contractor) {
        amount = b.price;
        payee = b.payee;
      }
    }
    this.roll();
    if (amount < 1 || payee == "" || amount > this.perTask || this.spentThisHour + amount > this.perHour) {
      log.warn("award of " + t.id + " to " + t.contractor + " is outside the budget: not contracted");
      t.state = "failed";
      return;
    }
    const escrow = t.id + "/" + t.round.toString() + "/" + t.contractor;
    if (refusedNow(wallet.lock(escrow, payee, amount, this.me))) {
      log.warn("escrow for " + t.id + " refused by the ledger: not contracted");
      t.state = "failed";
      return;
    }
    this.spentThisHour += amount;
    if (this.contracts.length >= CONTRACTS_KEPT) this.contracts.shift();
    this.contracts.push(new Contract(t.id, t.round, t.contractor, payee, amount, escrow));
  }

  private close(c: Contract, pay: bool, keepBond: bool): void {
    if (pay) wallet.release(c.escrow);
    else wallet.refund(c.escrow);
    if (keepBond) wallet.release(c.escrow + "/bond");
    c.state = pay ? "released" : "refunded";
  }

  private find(task: string): Contract | null {
    for (let i = this.contracts.length - 1; i >= 0; i--) if (unchecked(this.contracts[i]).task == task) return unchecked(this.contracts[i]);
    return null;
  }

  private roll(): void {
    const h = Math.floor(clock.now() / HOUR_MS);
    if (h != this.hour) {
      this.hour = h;
      this.spentThisHour = 0;
    }
  }
}

const QUOTES_KEPT = 4;

/** The contractor's side: remembers the terms of the calls it priced, posts the bond on accepting. */
export class Bond {
  tasks: string[] = [];
  payers: string[] = [];
  amounts: f64[] = [];

  /** Remembers a call's terms with this robot's price for it. */
  quote(cfp: Fields, price: f64): void {
    const spec = cfp.map("spec");
    if (this.tasks.length >= QUOTES_KEPT) {
      this.tasks.shift();
      this.payers.shift();
      this.amounts.shift();
    }
    this.tasks.push(cfp.str("task"));
    this.payers.push(spec.str("payer"));
    this.amounts.push(Math.ceil(price * spec.f64("penalty", 0)));
  }

  /** After accept(): locks the bond for the job, the manager its arbiter; false if the ledger would not. */
  post(me: Contractor): bool {
    const k = this.tasks.indexOf(me.task);
    if (k < 0 || unchecked(this.payers[k]) == "" || unchecked(this.amounts[k]) < 1) return true;
    const payer = unchecked(this.payers[k]);
    const ref = me.task + "/" + me.round.toString() + "/" + me.id + "/bond";
    return !refusedNow(wallet.lock(ref, payer, unchecked(this.amounts[k]), payer));
  }
}
