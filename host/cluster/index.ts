export { runCluster, withDeviceCount, type ClusterOptions } from "./run.ts";
export { mergeShards, type ClusterSummary, type ShardFailure } from "./merge.ts";
export { ClusterError, mosquittoBinary, startMosquittoCluster, brokerConfig, type MosquittoCluster } from "./brokers.ts";
export { ShardLink, type BridgeCounts } from "./shard-link.ts";
export { clusterLines } from "./lines.ts";
export type { ShardSummary } from "./summary.ts";
