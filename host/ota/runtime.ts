// What the device's slot manager needs from the kernel: instantiate a module, hand state
// over, judge health. The kernel (host/kernel) implements this; tests use a small one.
import type { BundleManifest } from "./manifest.ts";

export interface AgentInstance {
  /** The agent's state (its `snapshot` export); null when the agent keeps none. */
  snapshot(): Uint8Array | null;
  /** Loads state taken from the previous version (its `restore` export). Throws if refused. */
  restore(state: Uint8Array): void;
  /** Runs the health window (events, fuel, traps as the kernel judges); true when healthy. */
  health(): Promise<boolean>;
  stop(): void;
}

export interface AgentRuntime {
  instantiate(wasm: Uint8Array, manifest: BundleManifest): Promise<AgentInstance>;
}
