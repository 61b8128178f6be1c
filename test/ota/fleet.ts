// A fleet of simulated devices for rollout tests: each with its own flash, two slots for the
// "counter" agent (provisioned at 1.0.0) and an OtaDevice on the given transport.
import { AgentSlots, OtaDevice, SimFlash, slotAreaSize, type AgentInstance, type OtaTransport } from "../../host/ota/index.ts";
import { PUBLISHER, counterBundle } from "./fixtures.ts";
import { TestRuntime } from "./runtime.ts";

const layout = { offset: 0, slotSize: 8192, stateSize: 128 };

/** A runtime whose instances always fail health: a device where the new version misbehaves. */
class SickRuntime extends TestRuntime {
  constructor(private readonly sickFrom: number) {
    super();
  }
  override async instantiate(...a: Parameters<TestRuntime["instantiate"]>) {
    const inst = await super.instantiate(...a);
    if (inst.exports.version() >= this.sickFrom) inst.health = async () => false;
    return inst;
  }
}

export interface SimDevice {
  readonly id: string;
  readonly slots: AgentSlots;
  readonly ota: OtaDevice;
  readonly flash: SimFlash;
  state(): number;
  /** Power back on after a cut: a new device booting from what the flash holds. */
  reboot(): Promise<SimDevice>;
}

export interface FleetOptions {
  readonly count: number;
  readonly groups: (i: number) => string[];
  readonly transport: (id: string) => OtaTransport | Promise<OtaTransport>;
  /** Devices (by index) whose new versions (version export >= 200) fail health. */
  readonly sick?: (i: number) => boolean;
  readonly site?: string;
  /** Silence (ms) after which a device asks for missing chunks again. */
  readonly retryMs?: number;
  /** Silent periods before a transfer breaks off, and the wait before it resumes. */
  readonly maxRetries?: number;
  readonly resumeAfterMs?: number;
}

export async function startFleet(o: FleetOptions): Promise<SimDevice[]> {
  const v1 = counterBundle("1.0.0", { size: 2048 });
  const out: SimDevice[] = [];
  const bring = async (i: number, id: string, flash: SimFlash, fresh: boolean): Promise<SimDevice> => {
    const rt = o.sick?.(i) ? new SickRuntime(200) : new TestRuntime();
    const slots = new AgentSlots(flash, layout, rt, { trustedKeys: [PUBLISHER.publicKey], abi: [1] });
    if (fresh) {
      await slots.provision(v1);
      (slots.instance as AgentInstance).restore(new Uint8Array([i, 0, 0, 0]));
      slots.checkpoint();
    } else await slots.boot();
    const ota = new OtaDevice({ transport: await o.transport(id), site: o.site ?? "plant-1", device: id, groups: o.groups(i), agents: new Map([["counter", slots]]), download: { retryMs: o.retryMs ?? 50, maxRetries: o.maxRetries }, resumeAfterMs: o.resumeAfterMs });
    await ota.start();
    return {
      id,
      slots,
      ota,
      flash,
      state: () => new DataView(slots.instance!.snapshot()!.buffer).getInt32(0, true),
      reboot: async () => {
        await ota.stop();
        return bring(i, id, new SimFlash(flash.bytes.length, flash.bytes), false);
      },
    };
  };
  for (let i = 0; i < o.count; i++) out.push(await bring(i, `dev-${String(i).padStart(4, "0")}`, new SimFlash(slotAreaSize(layout)), true));
  return out;
}

export async function stopFleet(fleet: readonly SimDevice[]): Promise<void> {
  for (const d of fleet) await d.ota.stop();
}
