import { Agent, Fields, Message, bus, clock, log, state } from "../sdk";

/** Keeps the production schedule: good parts made, scrap confirmed, and the parts still to make (scrap is re-planned). */
export class Mes extends Agent {
  cfg: Fields = state.config();
  good: i64 = 0;
  flagged: i64 = 0;
  scrap: i64 = 0;
  released: i64 = 0;

  init(): void {
    bus.subscribe("line/item");
    bus.subscribe("qc/result");
    clock.every(10000, 1);
  }

  remaining(): i64 {
    return this.cfg.int("order", 100) + this.scrap - this.good;
  }

  onMessage(msg: Message): void {
    if (msg.topic == "line/item") {
      if (msg.body.bool("ok")) this.good++;
      else this.flagged++;
      return;
    }
    if (msg.body.bool("scrap")) {
      this.scrap++;
      log.info("item " + msg.body.int("item").toString() + " scrapped: one more part planned, " + this.remaining().toString() + " to go");
    } else {
      this.good++;
      this.released++;
    }
    this.publish();
  }

  onTimer(id: i32): void {
    this.publish();
  }

  publish(): void {
    bus.publish("mes/schedule", bus.body().int("good", this.good).int("flagged", this.flagged).int("scrap", this.scrap).int("released", this.released).int("remaining", this.remaining()), 1);
  }
}
