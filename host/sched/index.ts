// The face of host/sched: compute units per board, the cost model, EDF placement with admission
// control and triadic regulation, offload to a peer's accelerator over the bus, and the load sweep.
export { unitsOf, acceleratorUnit, CORE_CYCLES_PER_MAC, UnitError, type SchedUnit } from "./units.ts";
export { inferenceCost, type InferenceCost } from "./cost.ts";
export { UnitQueue, type Job, type Discipline } from "./queue.ts";
export { lendCpu, ownSlackUs } from "./lending.ts";
export { regulate, onStateChange, DEFAULT_POLICY, type DeviceCondition, type ResourceState, type TaskNeeds, type RegulationPolicy, type Verdict, type StateChange, type Disposition } from "./regulation.ts";
export { place, isRefusal, transfer, OFFLOAD_OVERHEAD_BYTES, type Candidate, type Link, type Placement, type Refusal, type Request } from "./placement.ts";
export { OffloadServer, OffloadClient, OffloadError, offloadTopic, resultTopic, type OffloadResult } from "./offload.ts";
export { runSweep, POLICIES, type Policy, type Workload, type SweepDevice, type SweepStateEvent, type SweepOptions, type SweepResult, type SchedTraceEvent, type TraceKind } from "./sweep.ts";
export { productionLineDevices, productionLineEvents, LINE_MODELS } from "./production-line.ts";
export { parseLoads, sweepScenario, loadSweepLines, LoadSweepError, type LoadSweep, type ScenarioDeviceInfo } from "./load.ts";
export { schedReport } from "./report.ts";
export { computeAdvert, peerCandidates, AdvertisedQueue, linkBetween } from "./peers.ts";
export type { AdmissionQueue } from "./placement.ts";
export { SiteScheduler, DeviceScheduler, DEFAULT_INVOKE_DEADLINE_MS, type InvokeDecision, type InvokePlacement, type DeviceSchedulerOptions } from "./invoke.ts";
export { schedBid, type SchedBidOptions } from "./bidding.ts";
