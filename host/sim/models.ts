// The `model` binding of simulated devices: the TinyML core (host/tinyml) on
// the board's CPU, or its NPU where the board has one, with time and energy
// accounted per device and compute unit.
import { readFileSync } from "node:fs";
import { AbiError, acceleratorOf, cpuOf, type BoardProfile, type ModelBinding, type RunningAgent, type TraceEvent } from "../kernel/index.ts";
import type { DeviceScheduler } from "../sched/index.ts";
import { ABI_RESULT, checkFitsBoard, compileModel, ModelError, ModelService, type UnitCost } from "../tinyml/index.ts";

/** One service per distinct compute setup; the compiled models are shared. */
export class ModelHub {
  private services = new Map<string, Promise<ModelService>>();
  private compiled = new Map<string, ReturnType<typeof compileModel>>();

  constructor(private readonly files: ReadonlyMap<string, string>) {}

  private model(name: string) {
    let m = this.compiled.get(name);
    if (!m) {
      m = compileModel(new Uint8Array(readFileSync(this.files.get(name)!)));
      this.compiled.set(name, m);
    }
    return m;
  }

  /** Refuses a model whose arena and tables do not fit beside the agents on this board, with the numbers. */
  checkFits(name: string, board: BoardProfile): void {
    checkFitsBoard(this.model(name), board.ramBytes + (board.psramBytes ?? 0) - board.agentMemoryBytes);
  }

  async serviceFor(board: BoardProfile): Promise<ModelService> {
    const cpu = cpuOf(board);
    const acc = acceleratorOf(board);
    const key = `${cpu.mhz}/${cpu.activeMw}/${acc ? `${acc.id}:${acc.mhz}:${acc.macsPerCycle}:${acc.ops?.join(",")}` : "-"}`;
    let s = this.services.get(key);
    if (!s) {
      s = ModelService.create({
        cpu: { id: cpu.id, mhz: cpu.mhz, activeMw: cpu.activeMw },
        ...(acc && acc.ops && acc.macsPerCycle && acc.energyPerMacPj
          ? { npu: { id: acc.id, ops: acc.ops, macsPerCycle: acc.macsPerCycle, mhz: acc.mhz, energyPerMacPj: acc.energyPerMacPj } }
          : {}),
      }).then((svc) => {
        for (const name of this.files.keys()) svc.register(name, this.model(name));
        return svc;
      });
      this.services.set(key, s);
    }
    return s;
  }
}

/** How a device's calls are placed: its scheduler (host/sched), the site's clock, and the peers' bindings to run on. */
export interface ModelPlacement {
  scheduler: DeviceScheduler;
  nowMs(): number;
  /** The model binding of a peer device, to run a call placed on its accelerator. */
  peer(id: string): DeviceModels | undefined;
}

/**
 * Per-device binding: runs invocations and keeps the device's inference totals. With a placement,
 * each call is first placed by the device's scheduler (its CPU, its accelerator or a peer's
 * accelerator, by deadline and energy) and refused with AbiError.REFUSED when no unit may take it;
 * the compute is then accounted to the device that ran it, the radio of an offload to the caller.
 */
export class DeviceModels implements ModelBinding {
  inferences = 0;
  macs = 0;
  energyUj = 0;
  timeUs = 0;
  /** Calls this device ran for a peer, and calls of its own that ran on a peer. */
  servedForPeers = 0;
  offloaded = 0;
  readonly perUnit = new Map<string, { macs: number; timeUs: number; energyUj: number }>();

  constructor(
    readonly service: ModelService,
    private readonly trace: (e: Omit<TraceEvent, "t" | "device">) => void,
    private readonly placement?: ModelPlacement,
  ) {}

  invoke(agent: RunningAgent, name: string, input: Uint8Array, output: Uint8Array): number {
    try {
      let where: DeviceModels = this;
      let runOn: "cpu" | "npu" | undefined;
      let at = "";
      if (this.placement) {
        const nowUs = this.placement.nowMs() * 1000;
        const d = this.placement.scheduler.decide(name, this.service.model(name), nowUs);
        if ("refused" in d) {
          this.trace({ type: "refused", agent: agent.agent, text: `model ${name}: the scheduler found no unit for it: ${d.refused.join("; ")}`, data: { model: name, reasons: d.refused } });
          return AbiError.REFUSED;
        }
        const p = d.placed;
        const peer = p.local ? this : this.placement.peer(p.device);
        if (!peer) throw new Error(`placement chose device ${p.device}, which has no model binding in this run`);
        where = peer;
        runOn = p.runOn;
        at = ` on ${p.device}/${p.unit}`;
        this.energyUj += p.radioUj;
        if (!p.local) {
          this.offloaded++;
          peer.servedForPeers++;
        }
        this.trace({
          type: "sched", agent: agent.agent,
          text: `${name} placed${at}${p.local ? "" : ` (offload, ${(p.transferUs / 1000).toFixed(1)} ms on the link)`}: done ${((p.finishUs - nowUs) / 1000).toFixed(1)} ms after the call, ${Math.round(p.energyUj)} µJ`,
          data: { model: name, device: p.device, unit: p.unit, local: p.local, finishMs: p.finishUs / 1000, energyUj: p.energyUj, radioUj: p.radioUj, transferMs: p.transferUs / 1000 },
        });
      }
      const r = where.service.invoke(name, input, output, runOn);
      this.inferences++;
      this.macs += r.macs;
      where.account(r.costs);
      this.trace({ type: "model", agent: agent.agent, text: `${name} on ${r.unit}${at}: ${r.macs} MACs`, data: { model: name, unit: r.unit, macs: r.macs, ...(at ? { ranOn: where === this ? "local" : "peer" } : {}) } });
      return r.bytes;
    } catch (e) {
      if (e instanceof ModelError) {
        this.trace({ type: "refused", agent: agent.agent, text: `model ${name}: ${e.message}` });
        return ABI_RESULT[e.code];
      }
      throw e;
    }
  }

  /** Time and energy of a run on this device's units (its battery pays them). */
  private account(costs: readonly UnitCost[]): void {
    for (const c of costs) {
      this.energyUj += c.energyUj;
      this.timeUs += c.timeUs;
      const u = this.perUnit.get(c.id) ?? { macs: 0, timeUs: 0, energyUj: 0 };
      u.macs += c.macs;
      u.timeUs += c.timeUs;
      u.energyUj += c.energyUj;
      this.perUnit.set(c.id, u);
    }
  }
}
