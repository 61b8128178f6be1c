// `npm run bench`: every bench/<area>.ts in one process, so ratios compare figures from the same run.
import { readdirSync } from "node:fs";
import path from "node:path";
import type { BenchResult } from "./types.ts";

const dir = import.meta.dirname;
const only = process.argv.slice(2);
const files = readdirSync(dir)
  .filter((f) => f.endsWith(".ts") && f !== "index.ts" && f !== "types.ts")
  .filter((f) => only.length === 0 || only.includes(f.replace(/\.ts$/, "")))
  .sort();

const all: BenchResult[] = [];
for (const f of files) {
  const mod = (await import(path.join(dir, f))) as { run?: () => Promise<BenchResult[]> };
  if (typeof mod.run !== "function") continue;
  process.stderr.write(`bench ${f}...\n`);
  try {
    const results = await mod.run();
    all.push(...results);
    for (const r of results) process.stdout.write(`${r.name.padEnd(62)} ${String(r.value).padStart(14)} ${r.unit.padEnd(10)} ${r.note ?? ""}\n`);
  } catch (e) {
    process.stdout.write(`${f}: failed: ${(e as Error).message}\n`);
    process.exitCode = 1;
  }
}
if (process.env.BENCH_JSON) process.stdout.write(JSON.stringify(all, null, 2) + "\n");
