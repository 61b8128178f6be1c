// A device's battery: idle draw, CPU time from the fuel its agents burned,
// radio time from the bytes it sent and received, motion, and inference
// energy on each compute unit. Simple and stated, not a circuit model.
import { cpuOf, type BoardProfile, type Device } from "../kernel/index.ts";
import type { MobileBase } from "../hal/index.ts";

export interface BatterySpec {
  capacityWh: number;
  /** starting level, 0..1 */
  level: number;
}

/** Effective bit rate by radio kind, for radio on-time. */
export function bitRate(radios: string[]): number {
  const r = radios.join(" ");
  if (r.includes("wifi")) return 6e6;
  if (r.includes("ethernet")) return 100e6;
  if (r.includes("ble")) return 1e6;
  if (r.includes("802.15.4")) return 250e3;
  return 115_200;
}

export interface EnergyBreakdown {
  idleJ: number;
  cpuJ: number;
  radioJ: number;
  motionJ: number;
  inferenceJ: number;
  totalJ: number;
  level: number;
}

export class Battery {
  constructor(
    readonly spec: BatterySpec,
    private readonly board: BoardProfile,
    private readonly device: Device,
    private readonly base?: MobileBase,
    private readonly inferenceUj: () => number = () => 0,
  ) {}

  breakdown(t: number): EnergyBreakdown {
    const cpu = cpuOf(this.board);
    let fuel = 0;
    for (const a of this.device.agents.values()) fuel += a.metrics.fuelUsed + a.metrics.initFuel;
    const cpuSeconds = (fuel * (cpu.cyclesPerFuel ?? 10)) / (cpu.mhz * 1e6);
    const bits = (this.device.bytesOut + this.device.bytesIn) * 8;
    const idleJ = (this.board.power.idleMw / 1000) * (t / 1000);
    const cpuJ = (cpu.activeMw / 1000) * cpuSeconds;
    const radioJ = (bits / bitRate(this.board.radios)) * (Math.max(this.board.power.radioTxMw, this.board.power.radioRxMw) / 1000);
    const motionJ = this.base?.energyJ(t) ?? 0;
    const inferenceJ = this.inferenceUj() / 1e6;
    const totalJ = idleJ + cpuJ + radioJ + motionJ + inferenceJ;
    const level = Math.max(0, this.spec.level - totalJ / (this.spec.capacityWh * 3600));
    return { idleJ, cpuJ, radioJ, motionJ, inferenceJ, totalJ, level };
  }

  level(t: number): number {
    return this.breakdown(t).level;
  }
}
