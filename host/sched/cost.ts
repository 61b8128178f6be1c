// The cost model per (model, unit): each compiled operator runs on the unit when the unit covers it
// (same rule as the model service: the op is in the profile's list and the accelerator has a kernel
// for it), on the board's CPU otherwise; time from MACs and the unit's throughput, energy from the
// accelerator's pJ/MAC or the CPU's active power.
import { npuSupports, type CompiledModel } from "../tinyml/index.ts";
import type { SchedUnit } from "./units.ts";

export interface InferenceCost {
  model: string;
  unit: string;
  macs: number;
  /** Operators (and their MACs) that ran on `unit`, the rest fell back to the CPU. */
  opsOnUnit: number;
  macsOnUnit: number;
  opsOnCpu: number;
  cycles: number;
  timeUs: number;
  energyUj: number;
  inputBytes: number;
  outputBytes: number;
}

function covers(unit: SchedUnit, op: CompiledModel["ops"][number]): boolean {
  if (unit.ops === null) return true;
  return npuSupports({ ops: [...unit.ops], macsPerCycle: 1 / unit.cyclesPerMac, mhz: unit.mhz, energyPerMacPj: unit.energyPerMacPj ?? 0 }, op);
}

function ioBytes(m: CompiledModel, t: number): number {
  const tensor = m.tensors[t]!;
  return tensor.shape.reduce((a, b) => a * b, 1) * (tensor.type === "int8" ? 1 : 4);
}

/** What one inference of `model` costs on `unit` of a board whose CPU is `cpu`. */
export function inferenceCost(name: string, model: CompiledModel, unit: SchedUnit, cpu: SchedUnit): InferenceCost {
  let onUnit = 0, macsOnUnit = 0, onCpu = 0, cpuCycles = 0, unitCycles = 0;
  for (const op of model.ops) {
    if (unit !== cpu && covers(unit, op)) {
      onUnit++;
      macsOnUnit += op.macs;
      unitCycles += Math.ceil(op.macs * unit.cyclesPerMac);
    } else {
      onCpu++;
      // an operator without MACs (reshape, softmax, quantize) still costs the core its pass over the data
      cpuCycles += Math.ceil(Math.max(op.macs, ioBytes(model, op.outputs[0]!)) * cpu.cyclesPerMac);
    }
  }
  const cpuUs = cpuCycles / cpu.mhz;
  const unitUs = unitCycles / unit.mhz;
  const cpuUj = (cpuUs * cpu.activeMw) / 1000;
  const unitUj = unit === cpu ? 0 : unit.energyPerMacPj !== undefined ? (macsOnUnit * unit.energyPerMacPj) / 1e6 : (unitUs * unit.activeMw) / 1000;
  return {
    model: name, unit: unit.id, macs: model.summary.macs,
    opsOnUnit: unit === cpu ? onCpu : onUnit, macsOnUnit: unit === cpu ? model.summary.macs : macsOnUnit, opsOnCpu: unit === cpu ? 0 : onCpu,
    cycles: cpuCycles + unitCycles, timeUs: cpuUs + unitUs, energyUj: cpuUj + unitUj,
    inputBytes: model.summary.input.bytes, outputBytes: model.summary.output.bytes,
  };
}
