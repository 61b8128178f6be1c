// The `ota:` block of a scenario: one staged rollout of a new release of an agent the
// devices run, and optionally the operator's rollback. Parsed by scenario.ts, which owns
// the file:line errors; this file says what the block means.
import type { AgentResources } from "../../kernel/index.ts";

export interface OtaSpec {
  /** the agent updated: every device that runs it takes part */
  agent: string;
  /** the release's version (greater than the one the devices run) */
  version: string;
  /** what the release changes in the manifest's resources, e.g. { memoryPages: 2 } */
  resources: Partial<AgentResources>;
  /** what the release asks for beyond the running version's manifest (the site's policy may refuse it) */
  grants: { capabilities: string[]; publish: string[]; subscribe: string[] };
  /** when the rollout is pushed, on the run's clock */
  atMs: number;
  /** "all", "group:<board name>" or "device:<id>,<id>" */
  target: string;
  canaryPercent: number;
  haltOnPercent: number;
  waves: number;
  /** how long a new version must run without a fault before it is committed */
  healthMs: number;
  /** when the operator rolls the release back (if at all) */
  rollbackAtMs?: number;
}

/** What the scenario may write, for the error that lists them. */
export const OTA_FIELDS = ["agent", "version", "resources", "grants", "at", "target", "canary", "haltOn", "waves", "health", "rollbackAt"];
