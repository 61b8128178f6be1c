import { Actuator, Agent, Message, actuator, bus, log } from "../sdk";

/** Reacts to an anomaly anywhere on the site: closes the pump's valve and acknowledges. */
export class Responder extends Agent {
  valve: Actuator = actuator.open("valve0");
  handled: i32 = 0;

  init(): void {
    bus.subscribe("event/anomaly");
  }

  onMessage(msg: Message): void {
    this.handled++;
    const what = msg.body.has("rms") ? "rms " + msg.body.f64("rms").toString() : "score " + msg.body.f64("score").toString();
    log.info("anomaly (" + what + "): closing valve0");
    this.valve.command(bus.body().str("action", "close"));
    bus.publish("event/ack", bus.body().str("of", msg.topic).int("handled", this.handled), 1);
  }
}
