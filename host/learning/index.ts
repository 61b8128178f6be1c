// Federated learning: devices train on their own data and share only parameter updates.
export { runFederation, centralised, DEFAULT_TRAIN, type FederationOptions, type FederationResult } from "./federation.ts";
export { deviceData, WINDOW, type DeviceData, type DataOptions, type Sample } from "./data.ts";
export { FEATURES, featuresOf } from "./features.ts";
export { EgressMonitor, type EgressCount } from "./egress.ts";
export { decodeUpdate, decodeModel, UpdateRefused, type ModelMessage, type UpdateMessage } from "./messages.ts";
export { accuracy, predict, train, zeroWeights, type TrainOptions, type Weights } from "./model.ts";
