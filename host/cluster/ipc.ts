// The messages between `colony cluster` and its shard processes (Node's IPC channel).
import type { ShardSummary } from "./summary.ts";

export interface ShardConfig {
  scenarioText: string;
  /** where the scenario came from: relative paths and error messages */
  scenarioFile: string;
  agentsDir?: string;
  shard: number;
  shards: number;
  /** the shard's devices: the scenario's from..to-1 */
  from: number;
  to: number;
  url: string;
  run: string;
  /** virtual time between barriers, ms */
  syncMs: number;
  durationMs?: number;
  seed?: number;
}

export type ParentMessage = { type: "start"; config: ShardConfig } | { type: "go" };
export type ShardMessage = { type: "connected" } | { type: "result"; summary: ShardSummary } | { type: "error"; message: string };
