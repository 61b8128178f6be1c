// Shared by the firmware tests: tools that must be there under CI, agents to build,
// and the host-side twin of the firmware's simulated accel0 (firmware/runtime/sim.c).
import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { buildAgents } from "../../host/compile/index.ts";
import { hasTool, type AgentInput } from "../../host/firmware/index.ts";
import { updatesSource } from "../../host/firmware/compile/updates.ts";
import type { SitePolicy } from "../../host/governance/index.ts";
import type { SensorSource } from "../../host/hal/index.ts";

export const ROOT = path.resolve(import.meta.dirname, "../..");
export const TEST_AGENTS = path.join(ROOT, "build/firmware-test-agents");
export const OUT = path.join(ROOT, "build/firmware-test");

/** Missing tools: under CI a failure, locally a reason to skip. */
export function missingTools(tools: string[]): string[] {
  const missing = tools.filter((t) => !hasTool(t));
  if (missing.length && process.env.CI) throw new Error(`firmware tests need ${missing.join(", ")} (CI installs them: scripts/install-system-deps.sh)`);
  return missing;
}

/** Compiles test/firmware/harness/ota.c with firmware/ota into `bin`, with the update rules
 * `colony firmware build --policy` would generate for `agents` (none without a policy). */
export function buildOtaHarness(bin: string, policy?: SitePolicy, agents: readonly string[] = []): void {
  const ota = path.join(ROOT, "firmware/ota");
  const crypto = path.join(ROOT, "firmware/crypto");
  const rules = `${bin}-updates.c`;
  mkdirSync(path.dirname(bin), { recursive: true });
  writeFileSync(rules, `#include "ota.h"\n${updatesSource(policy, agents)}\n`);
  const sources = ["ota_cbor", "semver", "bundle", "record", "slots", "modules", "device", "updates"].map((f) => path.join(ota, `${f}.c`));
  const cryptoSources = ["sha256", "sha512", "ed25519"].map((f) => path.join(crypto, `${f}.c`));
  execFileSync("cc", ["-std=c99", "-O1", "-Wall", "-Wextra", "-Werror", `-I${ota}`, `-I${crypto}`, path.join(ROOT, "test/firmware/harness/ota.c"), rules, ...sources, ...cryptoSources, "-o", bin]);
}

export async function buildShippedAgents(): Promise<void> {
  await buildAgents({ root: ROOT, only: ["heartbeat", "vibration-monitor", "responder"] });
}

/** The shipped agents and test/firmware/agents (only firmware.test.ts builds these). */
export async function buildAllAgents(): Promise<void> {
  await buildShippedAgents();
  await buildAgents({ root: ROOT, agentsDir: "test/firmware/agents", outDir: TEST_AGENTS });
}

export function testAgent(name: string): AgentInput {
  return { name, wasmPath: path.join(TEST_AGENTS, `${name}.wasm`), manifestPath: path.join(TEST_AGENTS, `${name}.json`) };
}

/** accel0 exactly as firmware/runtime/sim.c computes it: integers, then one exact division. */
export class FirmwareAccel implements SensorSource {
  readonly alias = "accel0";
  readonly rateHz = 1000;
  static sample(k: number): number {
    const u = k >>> 0;
    const phase = u % 20;
    const tri = phase < 10 ? phase * 200 - 1000 : (20 - phase) * 200 - 1000;
    let h = Math.imul(u, 2654435761) >>> 0;
    h = (h ^ (h >>> 15)) >>> 0;
    const noise = (h % 201) - 100;
    const amp = k >= 2000 && k < 4000 ? 2 : 1;
    return Math.fround((amp * tri + noise) / 1024);
  }
  read(nowMs: number, out: Float32Array): void {
    const last = Math.floor((nowMs * this.rateHz) / 1000);
    for (let i = 0; i < out.length; i++) out[i] = FirmwareAccel.sample(last - (out.length - 1 - i));
  }
}
