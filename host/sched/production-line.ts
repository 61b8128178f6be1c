// The production line's inference load (scenarios/production-line.yaml's devices): the defect
// camera classifies parts (ic, vision) on its CNN accelerator, the quality station checks presence
// (vww) on its vector unit, the handler and the MES watch vibration (ad), the AMRs listen for
// spoken commands (kws). Periods are at load 1x; --load multiplies the rates.
import { loadBoard } from "../kernel/index.ts";
import type { SweepDevice, SweepStateEvent } from "./sweep.ts";

export const LINE_MODELS = ["ic", "vww", "ad", "kws"] as const;

export function productionLineDevices(): SweepDevice[] {
  const d = (id: string, board: string, model: string, periodMs: number, deadlineMs: number, critical: boolean): SweepDevice => ({
    id, board: loadBoard(board), workload: { model, periodMs, deadlineMs, critical },
  });
  return [
    d("camera-1", "max78000", "ic", 200, 50, true),
    d("qc-1", "esp32-s3", "vww", 1000, 1000, true),
    d("handler-1", "esp32-devkitc", "ad", 100, 60, false),
    d("mes-1", "stm32f746", "ad", 200, 80, false),
    d("amr-1", "esp32-c3", "kws", 1000, 500, true),
    d("amr-2", "esp32-c3", "kws", 1000, 500, true),
    d("amr-3", "esp32-c3", "kws", 1000, 500, true),
  ];
}

/** State changes during a run of `durationMs`: an AMR's battery runs low, the quality station's vector unit fails. */
export function productionLineEvents(durationMs: number): SweepStateEvent[] {
  return [
    { atMs: durationMs * 0.4, device: "amr-2", change: { kind: "battery", level: 0.15 } },
    { atMs: durationMs * 0.6, device: "qc-1", change: { kind: "unit-failed", unit: "vec0" } },
  ];
}
