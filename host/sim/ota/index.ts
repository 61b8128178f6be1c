// OTA in the simulator: a scenario's staged rollout over the run's broker.
export { OTA_FIELDS, type OtaSpec } from "./spec.ts";
export { simPublisherSeed, startFleetOta, type FleetOta, type OtaDeviceResult, type OtaParticipant, type OtaResult } from "./fleet-ota.ts";
export { otaLines } from "./summary.ts";
