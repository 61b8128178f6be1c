// Running the external tools of a firmware build (wasm2c, gcc, size), with a
// clear error when one is missing or fails.
import { spawn, spawnSync } from "node:child_process";
import { FirmwareBuildError } from "./targets.ts";

export function hasTool(tool: string): boolean {
  return spawnSync("sh", ["-c", `command -v ${tool}`], { encoding: "utf8" }).status === 0;
}

export function run(tool: string, args: string[], what: string): string {
  const r = spawnSync(tool, args, { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  if (r.error && (r.error as NodeJS.ErrnoException).code === "ENOENT")
    throw new FirmwareBuildError(`${what}: ${tool} is not installed (Debian: see scripts/install-system-deps.sh)`);
  if (r.status !== 0) throw new FirmwareBuildError(`${what}: ${tool} failed (exit ${r.status}):\n${(r.stderr || r.stdout).slice(0, 4000)}`);
  return r.stdout;
}

/** Runs a tool without blocking; at most two at a time (the machines have two cores). */
let running = 0;
const waiting: (() => void)[] = [];
export async function runAsync(tool: string, args: string[], what: string): Promise<string> {
  if (running >= 2) await new Promise<void>((r) => waiting.push(r));
  running++;
  try {
    return await new Promise<string>((resolve, reject) => {
      const child = spawn(tool, args, { stdio: ["ignore", "pipe", "pipe"] });
      let out = "";
      let err = "";
      child.stdout.on("data", (d: Buffer) => (out += d.toString()));
      child.stderr.on("data", (d: Buffer) => (err += d.toString()));
      child.on("error", (e) =>
        reject(new FirmwareBuildError(`${what}: ${(e as NodeJS.ErrnoException).code === "ENOENT" ? `${tool} is not installed (Debian: see scripts/install-system-deps.sh)` : e.message}`)),
      );
      child.on("close", (code) => (code === 0 ? resolve(out) : reject(new FirmwareBuildError(`${what}: ${tool} failed (exit ${code}):\n${(err || out).slice(0, 4000)}`))));
    });
  } finally {
    running--;
    waiting.shift()?.();
  }
}
