// The device side of OTA in the simulator: AgentSlots (host/ota) asks a runtime to start a
// module, hand state over and judge health; here that runtime is the simulated device's
// kernel, so an update really replaces the agent the device runs, under its board's limits.
import type { AgentInstance, AgentRuntime, BundleManifest } from "../../ota/index.ts";
import { parseManifest, type Clock, type Device, type RunningAgent } from "../../kernel/index.ts";

export class KernelRuntime implements AgentRuntime {
  constructor(
    private readonly device: Device,
    private readonly clock: Clock,
    private readonly healthMs: number,
    /** preset state (the scenario's config) every version of the agent starts with */
    private readonly preset: ReadonlyMap<string, Uint8Array>,
  ) {}

  async instantiate(wasm: Uint8Array, bundleManifest: BundleManifest): Promise<AgentInstance> {
    // The bundle carries the agent's whole manifest; the kernel checks it as at any install.
    const manifest = parseManifest(JSON.stringify(bundleManifest), `bundle manifest of ${bundleManifest.name}@${bundleManifest.version}`);
    const agent = this.device.install(wasm, manifest, this.preset);
    return new KernelInstance(this.device, agent, this.clock, this.healthMs);
  }
}

class KernelInstance implements AgentInstance {
  private readonly faultsAtStart: number;

  constructor(
    private readonly device: Device,
    private readonly agent: RunningAgent,
    private readonly clock: Clock,
    private readonly healthMs: number,
  ) {
    this.faultsAtStart = agent.metrics.faults;
  }

  snapshot(): Uint8Array | null {
    return this.agent.snapshot() ?? null;
  }

  restore(state: Uint8Array): void {
    if (!this.agent.restore(state)) throw new Error(`${this.agent.agent}@${this.agent.manifest.version} refused the state of the version before it`);
  }

  /** Healthy when it ran the whole window without a fault and is still running. */
  async health(): Promise<boolean> {
    await new Promise<void>((resolve) => this.clock.after(this.healthMs, resolve));
    return this.agent.status === "running" && this.agent.metrics.faults === this.faultsAtStart;
  }

  stop(): void {
    // only if this version is still the one installed under the agent's name
    if (this.device.agents.get(this.agent.agent) === this.agent) this.device.uninstall(this.agent.agent);
  }
}
