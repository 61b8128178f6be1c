// Delivery: signed bundles, chunked transfer, the device's A/B slots, staged rollouts.
export { OtaError, REFUSALS, type Refusal } from "./errors.ts";
export { compareSemVer, parseSemVer, type SemVer } from "./semver.ts";
export { checkManifest, type BundleManifest } from "./manifest.ts";
export {
  hex,
  keyFileText,
  keyId,
  newPublisherKey,
  parseKeyFile,
  parsePublicKey,
  publisherKeyFromSeed,
  unhex,
  type PublisherKey,
} from "./keys.ts";
export { TrustStore, parseTrustedKeys } from "./trust.ts";
export { SIGNING_DOMAIN, buildBundle, readBundle, sha256, signedMessage, verifyBundle, type Bundle, type VerifyPolicy } from "./bundle.ts";
export { inspectBundle, type BundleInspection } from "./inspect.ts";
export { realTimers, topicMatches, type MessageHandler, type OtaTransport, type PublishOptions, type Timers, type Unsubscribe } from "./transport.ts";
export { otaTopics, type OtaTopics } from "./topics.ts";
export { MemoryBus, lossyTransport, type LossOptions } from "./memory-bus.ts";
export { mqttTransport } from "./mqtt-transport.ts";
export { mqttsnTransport } from "./mqttsn-transport.ts";
export { seededRandom } from "./random.ts";
export {
  FINAL_PHASES,
  PHASES,
  decodeChunk,
  decodeChunkRequest,
  decodeDevice,
  decodeJob,
  decodeStatus,
  encodeChunk,
  encodeChunkRequest,
  encodeDevice,
  encodeJob,
  encodeStatus,
  type ChunkMessage,
  type ChunkRequest,
  type DeviceMessage,
  type JobMessage,
  type Phase,
  type StatusMessage,
} from "./messages.ts";
export { ChunkServer, DEFAULT_CHUNK_SIZE, bundleId } from "./chunk-server.ts";
export { Downloader, type DownloadOptions, type DownloadProgress, type DownloadSpec } from "./downloader.ts";
export { PowerCut, SimFlash, type FlashOp } from "./flash.ts";
export { crc32 } from "./crc32.ts";
export { DualRecord } from "./dual-record.ts";
export type { AgentInstance, AgentRuntime } from "./runtime.ts";
export { AgentSlots, RECORD_SIZE, slotAreaSize, type InstallOutcome, type SlotLayout, type SlotPolicy, type StagedDownload } from "./slots.ts";
export { OtaDevice, type OtaDeviceOptions } from "./device.ts";
export { parsePercent, planWaves, selectDevices, type WavePlan } from "./plan.ts";
export { RolloutController, type ControllerOptions, type RolloutOptions, type RolloutProgress, type RolloutRecord, type RolloutState } from "./controller.ts";
export { countRollout, renderRollout, rolloutLine, type RolloutCounts } from "./progress-view.ts";
