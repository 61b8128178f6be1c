// The simulated NPU: the host-side kernels (same integer semantics as the core) running on the core's
// memory, like an accelerator sharing the MCU's SRAM, and its cost model from the board profile.
import { ModelError } from "../errors.ts";
import { tensorBytes, type CompiledModel, type CompiledOp } from "../model.ts";
import { HOST_KERNELS, viewOf, type OpTensors } from "./kernels.ts";

/** An NPU compute unit as a board profile describes it (boards/*.json compute[] entry). */
export interface NpuUnit {
  id?: string;
  ops: string[];
  macsPerCycle: number;
  mhz: number;
  energyPerMacPj: number;
}

/** The CPU that runs the core: cycles per MAC is an estimate (docs/model.md), power from the profile. */
export interface CpuUnit {
  id?: string;
  mhz: number;
  activeMw?: number;
  cyclesPerMac?: number;
}

/** Cycles per MAC of TFLM int8 kernels on a Cortex-M4F: 182 ms x 120 MHz / 2,656,768 MACs (MLPerf Tiny KWS). */
export const DEFAULT_CPU_CYCLES_PER_MAC = (0.182 * 120e6) / 2656768;

export interface UnitCost {
  unit: "cpu" | "npu";
  id: string;
  ops: number;
  macs: number;
  cycles: number;
  timeUs: number;
  energyUj: number;
}

export function npuCost(unit: NpuUnit, macs: number): { cycles: number; timeUs: number; energyUj: number } {
  const cycles = Math.ceil(macs / unit.macsPerCycle);
  return { cycles, timeUs: cycles / unit.mhz, energyUj: (macs * unit.energyPerMacPj) / 1e6 };
}

export function cpuCost(unit: CpuUnit, macs: number): { cycles: number; timeUs: number; energyUj: number } {
  const cycles = Math.ceil(macs * (unit.cyclesPerMac ?? DEFAULT_CPU_CYCLES_PER_MAC));
  const timeUs = cycles / unit.mhz;
  return { cycles, timeUs, energyUj: (timeUs * (unit.activeMw ?? 0)) / 1000 };
}

export function npuSupports(unit: NpuUnit, op: CompiledOp): boolean {
  return unit.ops.includes(op.name) && HOST_KERNELS[op.code] !== undefined;
}

/** Runs operator `op` of `model` with the host kernels on the tensors' bytes given by `bytesOf`. */
export function runOnNpu(model: CompiledModel, op: CompiledOp, bytesOf: (t: number) => Uint8Array): void {
  const kernel = HOST_KERNELS[op.code];
  if (!kernel) throw new ModelError("unsupported", `the NPU has no kernel for ${op.name}`);
  const view = (i: number): Int8Array | Int32Array | Float32Array => {
    const t = model.tensors[i]!;
    return viewOf(t, t.data ?? bytesOf(i).subarray(0, tensorBytes(t)));
  };
  const tensors: OpTensors = {
    inputs: op.inputs.map((i) => (i < 0 ? null : view(i))),
    outputs: op.outputs.map((i) => view(i) as Int8Array | Float32Array),
    shapes: {
      inputs: op.inputs.map((i) => (i < 0 ? null : model.tensors[i]!.shape)),
      outputs: op.outputs.map((i) => model.tensors[i]!.shape),
    },
  };
  kernel(op, tensors);
}
