// The face of host/sched: compute units per board, the cost model, EDF placement with admission
// control and triadic regulation, offload to a peer's accelerator over the bus, and the load sweep.
export { unitsOf, acceleratorUnit, CORE_CYCLES_PER_MAC, UnitError, type SchedUnit } from "./units.ts";
export { inferenceCost, type InferenceCost } from "./cost.ts";
