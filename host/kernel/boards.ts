// Board profiles (boards/<name>.json), checked against boards/schema.json.
// Logic never names a board: it reads these figures.
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { BoardError } from "./errors.ts";
import { checkSchema, type Schema } from "./schema-check.ts";

export type ComputeKind = "cpu" | "dsp" | "npu";

export interface ComputeUnit {
  id: string;
  kind: ComputeKind;
  isa: string;
  cores?: number;
  mhz: number;
  cyclesPerFuel?: number;
  ops?: string[];
  macsPerCycle?: number;
  energyPerMacPj?: number;
  weightBytes?: number;
  dataBytes?: number;
  activeMw: number;
}

export interface BoardProfile {
  name: string;
  vendor: string;
  board: string;
  soc: string;
  family: "esp32" | "cortex-m" | "riscv";
  clockMHz: number;
  ramBytes: number;
  psramBytes?: number;
  sdramBytes?: number;
  flashBytes: number;
  agentMemoryBytes: number;
  fuelPerEventMax: number;
  compute: ComputeUnit[];
  radios: string[];
  power: { idleMw: number; radioTxMw: number; radioRxMw: number };
  notes?: string;
}

export const BOARDS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../boards");

let schemaCache: Schema | undefined;
function schema(): Schema {
  schemaCache ??= JSON.parse(readFileSync(path.join(BOARDS_DIR, "schema.json"), "utf8")) as Schema;
  return schemaCache;
}

export function validateBoard(raw: unknown, source: string): BoardProfile {
  const problems = checkSchema(schema(), raw);
  if (problems.length === 0) {
    const b = raw as BoardProfile;
    if (!b.compute.some((c) => c.kind === "cpu")) problems.push("compute: needs a cpu unit");
    b.compute.forEach((c, i) => {
      if (c.kind === "cpu" && c.cyclesPerFuel === undefined) problems.push(`compute[${i}].cyclesPerFuel: required for a cpu`);
      if (c.kind !== "cpu" && (!c.ops || c.macsPerCycle === undefined || c.energyPerMacPj === undefined))
        problems.push(`compute[${i}]: a ${c.kind} needs ops, macsPerCycle and energyPerMacPj`);
    });
    if (b.agentMemoryBytes > b.ramBytes + (b.psramBytes ?? 0) + (b.sdramBytes ?? 0))
      problems.push(`agentMemoryBytes ${b.agentMemoryBytes} exceeds the board's memory`);
  }
  if (problems.length > 0) throw new BoardError(source, problems);
  return raw as BoardProfile;
}

const cache = new Map<string, BoardProfile>();

/** Every shipped board name. */
export function boardNames(dir = BOARDS_DIR): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith(".json") && f !== "schema.json")
    .map((f) => f.slice(0, -5))
    .sort();
}

export function loadBoard(name: string, dir = BOARDS_DIR): BoardProfile {
  const hit = cache.get(`${dir}/${name}`);
  if (hit) return hit;
  const file = path.join(dir, `${name}.json`);
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    throw new BoardError(name, [`unknown board "${name}" (known: ${boardNames(dir).join(", ")})`]);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new BoardError(file, [`not valid JSON: ${(e as Error).message}`]);
  }
  const b = validateBoard(raw, file);
  if (b.name !== name) throw new BoardError(file, [`name "${b.name}" does not match the file name`]);
  cache.set(`${dir}/${name}`, b);
  return b;
}

export function cpuOf(b: BoardProfile): ComputeUnit {
  return b.compute.find((c) => c.kind === "cpu")!;
}

/** The board's accelerator for int8 inference (npu first, then dsp), if any. */
export function acceleratorOf(b: BoardProfile): ComputeUnit | undefined {
  return b.compute.find((c) => c.kind === "npu") ?? b.compute.find((c) => c.kind === "dsp");
}
