// `colony sim <scenario> --load 1x,2x,4x`: the load factors, and the sweep of a scenario's devices
// (their boards and batteries, the inference workload the sched knows for their ids) under every policy.
import { readFileSync } from "node:fs";
import type { BoardProfile } from "../kernel/index.ts";
import { compileModel, type CompiledModel } from "../tinyml/index.ts";
import { productionLineDevices, productionLineEvents } from "./production-line.ts";
import { POLICIES, runSweep, type SweepDevice, type SweepResult } from "./sweep.ts";

export class LoadSweepError extends Error {}

/** "1x,2x,4x" (or "1,2,4") as factors; a clear error naming the bad item otherwise. */
export function parseLoads(text: string): number[] {
  const items = text.split(",").map((s) => s.trim()).filter((s) => s.length > 0);
  if (items.length === 0) throw new LoadSweepError(`--load: expected factors like 1x,2x,4x (got "${text}")`);
  return items.map((s) => {
    const m = /^(\d+(?:\.\d+)?)x?$/.exec(s);
    const v = m ? Number(m[1]) : NaN;
    if (!(v > 0) || v > 100) throw new LoadSweepError(`--load: "${s}" is not a load factor between 0 and 100x (e.g. 2x)`);
    return v;
  });
}

export interface ScenarioDeviceInfo {
  id: string;
  board: BoardProfile;
  battery?: { level: number };
}

export interface LoadSweep {
  loads: number[];
  results: SweepResult[];
  devices: string[];
}

/** Sweeps the devices of a scenario that have a known workload; `modelPaths` maps model names to .tflite files. */
export function sweepScenario(devices: readonly ScenarioDeviceInfo[], modelPaths: ReadonlyMap<string, string>, loads: number[], durationMs: number, seed: number): LoadSweep {
  const known = new Map(productionLineDevices().map((d) => [d.id, d]));
  const chosen: SweepDevice[] = [];
  for (const d of devices) {
    const w = known.get(d.id)?.workload;
    chosen.push({ id: d.id, board: d.board, ...(w ? { workload: w } : {}), ...(d.battery ? { battery: d.battery.level } : {}) });
  }
  if (!chosen.some((d) => d.workload)) {
    throw new LoadSweepError(`--load: none of this scenario's devices (${devices.map((d) => d.id).join(", ")}) has an inference workload the scheduler knows (it knows the production line's: ${[...known.keys()].join(", ")})`);
  }
  const models: Record<string, CompiledModel> = {};
  for (const d of chosen) {
    const name = d.workload?.model;
    if (!name || models[name]) continue;
    const file = modelPaths.get(name) ?? new URL(`../../models/${name}.tflite`, import.meta.url).pathname;
    models[name] = compileModel(new Uint8Array(readFileSync(file)));
  }
  const ids = new Set(chosen.map((d) => d.id));
  const events = productionLineEvents(durationMs).filter((e) => ids.has(e.device));
  const results: SweepResult[] = [];
  for (const load of loads) for (const policy of POLICIES) results.push(runSweep({ devices: chosen, models, durationMs, load, policy, seed, events }));
  return { loads, results, devices: chosen.filter((d) => d.workload).map((d) => d.id) };
}

/** The sweep as text lines for the terminal. */
export function loadSweepLines(s: LoadSweep): string[] {
  const lines = [`load sweep (${s.devices.length} devices with inference work; refused and shed count as missed)`, "  load  policy   requests  missed  miss rate  offloaded  energy/inference"];
  for (const r of s.results) {
    lines.push(`  ${`${r.load}x`.padEnd(5)} ${r.policy.padEnd(8)} ${String(r.requests).padStart(8)}  ${String(r.requests - r.onTime).padStart(6)}  ${`${(r.missRate * 100).toFixed(2)}%`.padStart(9)}  ${String(r.offloaded).padStart(9)}  ${`${(r.energyPerInferenceUj / 1000).toFixed(2)} mJ`.padStart(16)}`);
  }
  return lines;
}
