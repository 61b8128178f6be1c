// The face of host/coordination: the protocols agents use to work together.
export { CoordNode, hashUnit, type CoordNodeOptions, type Handler } from "./node.ts";
export { Presence, presenceWill, PRESENCE_BEAT, PRESENCE_GONE, type DeviceState, type ComputeAdvert, type PeerInfo, type PresenceEvent, type PresenceOptions } from "./presence.ts";
export { Election, LEADER_CLAIM, LEADER_RESIGN, type ElectionOptions, type LeaderEvent } from "./election.ts";
export { Manager, Contractor, CNET, type Cfp, type Bid, type TaskSpec, type TaskRecord, type TaskState, type Job, type JobControl, type ContractorOptions, type ManagerOptions } from "./contractnet.ts";
export { LeaseServer, LeaseClient, LEASE, type LeaseState, type LeaseEvent, type LeaseRule, type LeasePreemption } from "./lease.ts";
export { CoordBusPort, DEVICE_PLACEHOLDER } from "./agentport.ts";
