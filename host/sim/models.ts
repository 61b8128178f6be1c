// The `model` binding of simulated devices: the TinyML core (host/tinyml) on
// the board's CPU, or its NPU where the board has one, with time and energy
// accounted per device and compute unit.
import { readFileSync } from "node:fs";
import { acceleratorOf, cpuOf, type BoardProfile, type ModelBinding, type RunningAgent, type TraceEvent } from "../kernel/index.ts";
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

/** Per-device binding: runs invocations and keeps the device's inference totals. */
export class DeviceModels implements ModelBinding {
  inferences = 0;
  macs = 0;
  energyUj = 0;
  timeUs = 0;
  readonly perUnit = new Map<string, { macs: number; timeUs: number; energyUj: number }>();

  constructor(
    private readonly service: ModelService,
    private readonly trace: (e: Omit<TraceEvent, "t" | "device">) => void,
  ) {}

  invoke(agent: RunningAgent, name: string, input: Uint8Array, output: Uint8Array): number {
    try {
      const r = this.service.invoke(name, input, output);
      this.inferences++;
      this.macs += r.macs;
      for (const c of r.costs as UnitCost[]) {
        this.energyUj += c.energyUj;
        this.timeUs += c.timeUs;
        const u = this.perUnit.get(c.id) ?? { macs: 0, timeUs: 0, energyUj: 0 };
        u.macs += c.macs;
        u.timeUs += c.timeUs;
        u.energyUj += c.energyUj;
        this.perUnit.set(c.id, u);
      }
      this.trace({ type: "model", agent: agent.agent, text: `${name} on ${r.unit}: ${r.macs} MACs`, data: { model: name, unit: r.unit, macs: r.macs } });
      return r.bytes;
    } catch (e) {
      if (e instanceof ModelError) {
        this.trace({ type: "refused", agent: agent.agent, text: `model ${name}: ${e.message}` });
        return ABI_RESULT[e.code];
      }
      throw e;
    }
  }
}
