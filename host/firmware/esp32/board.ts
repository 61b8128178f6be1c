// The little of a board profile (boards/<name>.json) that flashing needs: which chip, how much flash.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { BOOTLOADER_OFFSET } from "./layout.ts";

export interface FlashTarget {
  readonly board: string;
  readonly chip: string;
  readonly flashBytes: number;
}

/** "ESP32-D0WD-V3 in ..." -> "esp32", "ESP32-S3 (...)" -> "esp32s3". */
export function chipFromSoc(soc: string): string | null {
  const m = /^ESP32(?:-([SCH]\d+))?/i.exec(soc.trim());
  if (!m) return null;
  const chip = m[1] ? `esp32${m[1].toLowerCase()}` : "esp32";
  return chip in BOOTLOADER_OFFSET ? chip : null;
}

export function readFlashTarget(board: string, boardsDir = "boards"): FlashTarget {
  const file = join(boardsDir, `${board}.json`);
  let v: { soc?: unknown; flashBytes?: unknown };
  try {
    v = JSON.parse(readFileSync(file, "utf8")) as { soc?: unknown; flashBytes?: unknown };
  } catch (e) {
    throw new Error(`board "${board}": cannot read ${file} (${(e as Error).message})`);
  }
  const chip = typeof v.soc === "string" ? chipFromSoc(v.soc) : null;
  if (!chip) throw new Error(`board "${board}": ${file} field "soc" names no ESP32-family chip (${JSON.stringify(v.soc)})`);
  if (typeof v.flashBytes !== "number" || v.flashBytes <= 0) throw new Error(`board "${board}": ${file} field "flashBytes" must be a positive number`);
  return { board, chip, flashBytes: v.flashBytes };
}
