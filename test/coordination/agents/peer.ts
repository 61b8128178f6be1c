import { Agent, Election, Message, Presence, bus, clock, state } from "../../../assembly/sdk";

/** Presence and election for role "coordinator"; reports its view on test/status whenever it changes. */
export class Peer extends Agent {
  presence: Presence = new Presence(<i32>state.config().int("every", 200), 3, 100);
  election: Election = new Election("coordinator", <i32>state.config().int("lease", 1000), state.config().int("candidate", 1) != 0, 110);
  seen: i32 = -1;
  wasLeader: bool = false;

  init(): void {
    this.presence.capabilities = ["lift", "scan"];
    this.presence.battery = state.config().f64("battery", 0.5);
    this.presence.position = [1, 2, 3];
    this.presence.start();
    this.election.start();
    clock.every(50, 1);
  }

  onTimer(id: i32): void {
    if (!this.presence.onTimer(id)) this.election.onTimer(id);
    this.report();
  }

  onMessage(msg: Message): void {
    if (!this.presence.onMessage(msg)) this.election.onMessage(msg);
    const events = this.presence.takeEvents();
    for (let i = 0; i < events.length; i++) if (events[i].type == "down") this.election.peerDown(events[i].peer.id);
    if (events.length > 0) this.seen = -1;
    this.report();
  }

  report(): void {
    const leading = this.election.isLeader();
    if (this.election.changes == this.seen && leading == this.wasLeader) return;
    this.seen = this.election.changes;
    this.wasLeader = leading;
    const alive = this.presence.alive();
    let peers = "";
    for (let i = 0; i < alive.length; i++) peers += (i > 0 ? "," : "") + alive[i].id + ":" + alive[i].capabilities.join("+") + ":" + alive[i].battery.toString();
    bus.publish("test/status", bus.body().str("me", this.presence.me).str("leader", this.election.leader).int("term", this.election.term).bool("leading", leading).str("peers", peers), 0);
  }
}
