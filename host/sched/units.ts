// Compute units of a board as the scheduler sees them: read from the board profile's compute[]
// (CPU, DSP/SIMD, NPU), with the op coverage, throughput and power the placement decisions need.
import type { BoardProfile, ComputeUnit } from "../kernel/index.ts";

/**
 * Cycles per MAC of Colony's TinyML core (wasm2c -O2) on a Cortex-M4: KWS through model_invoke,
 * 55.7 M instructions under QEMU -icount (docs/firmware.md) / 2,656,768 MACs, at 1 instruction a
 * cycle. test/sched/cost.test.ts measures it again on the firmware and checks this figure.
 */
export const CORE_CYCLES_PER_MAC = 20.96;

export interface SchedUnit {
  /** "<board unit id>", e.g. cpu0, cnn0. */
  id: string;
  kind: ComputeUnit["kind"];
  mhz: number;
  /** Operators the unit runs; null for a CPU (it runs every operator the core has). */
  ops: ReadonlySet<string> | null;
  /** Cycles per MAC (CPU) or MACs per cycle (DSP/NPU), whichever the profile gives. */
  cyclesPerMac: number;
  /** Power while the unit computes, mW. */
  activeMw: number;
  /** Energy per MAC for an accelerator, pJ; undefined for a CPU (energy = time x activeMw). */
  energyPerMacPj?: number;
  /** Accelerator weight memory, bytes, if the profile says. */
  weightBytes?: number;
}

export class UnitError extends Error {}

function toSchedUnit(board: string, c: ComputeUnit): SchedUnit {
  const extra = c as ComputeUnit & { cyclesPerMac?: number };
  if (c.kind === "cpu") {
    return { id: c.id, kind: c.kind, mhz: c.mhz, ops: null, cyclesPerMac: extra.cyclesPerMac ?? CORE_CYCLES_PER_MAC, activeMw: c.activeMw };
  }
  if (!c.ops || !c.macsPerCycle || c.energyPerMacPj === undefined) {
    throw new UnitError(`board ${board}: compute unit ${c.id} (${c.kind}) needs ops, macsPerCycle and energyPerMacPj`);
  }
  return {
    id: c.id, kind: c.kind, mhz: c.mhz, ops: new Set(c.ops), cyclesPerMac: 1 / c.macsPerCycle, activeMw: c.activeMw,
    energyPerMacPj: c.energyPerMacPj, ...(c.weightBytes !== undefined ? { weightBytes: c.weightBytes } : {}),
  };
}

/** Every compute unit of `board`, the CPU first. */
export function unitsOf(board: BoardProfile): SchedUnit[] {
  const units = board.compute.map((c) => toSchedUnit(board.name, c));
  const cpu = units.filter((u) => u.kind === "cpu");
  if (cpu.length === 0) throw new UnitError(`board ${board.name}: no cpu in compute[]`);
  return [...cpu, ...units.filter((u) => u.kind !== "cpu")];
}

/** The fastest accelerator of a board (npu before dsp), if it has one. */
export function acceleratorUnit(units: readonly SchedUnit[]): SchedUnit | undefined {
  return units.find((u) => u.kind === "npu") ?? units.find((u) => u.kind === "dsp");
}
