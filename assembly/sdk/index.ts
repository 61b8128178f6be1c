// What agent code imports: `import { Agent, sensor, bus, clock } from "../sdk";`
export { Agent } from "./agent";
export { Body, Fields } from "./body";
export { bus, Message } from "./bus";
export { clock } from "./clock";
export { log } from "./log";
export { sensor, Sensor } from "./sensor";
export { actuator, Actuator } from "./actuator";
export { model } from "./model";
export { state } from "./state";
export { random } from "./random";
export { CborReader, CborWriter, CborType } from "./cbor";
export { TaskManager, Contractor, Bid, newId } from "./tasks";
export { Reputation, BidderRecord } from "./reputation";
export { geo } from "./geo";
export { Presence, PeerState, PresenceEvent, publishBytes, textList } from "./presence";
export { Election } from "./election";
export { LeaseClient, LeaseServer } from "./lease";
