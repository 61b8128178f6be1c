// Firmware figures (mps2-an386, Cortex-M4): flash and RAM of the runtime alone
// and per agent, from the linker map after --gc-sections (arm-none-eabi-size
// gives the totals); instructions per event for shipped agents, native
// (wasm2c) and, where WASM3_DIR points at wasm3's sources, interpreted.
// Instructions are counted by QEMU: with -icount shift=0 every guest
// instruction advances virtual time by 1 ns, and the firmware measures each
// event with SysTick (25 MHz), so instructions = ticks * 40. The KWS figure is
// one inference of the TinyML core (wasm2c, -O2) on the same board, checked
// against TFLM's golden output.
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { TARGETS } from "../host/firmware/compile/index.ts";
import { buildFirmware, firmwareSizes, hasTool, parseFirmwareOutput, runQemu, wasm3Dir, type FirmwareEngine, type FirmwareModel, type PartSize } from "../host/firmware/index.ts";
import type { BenchResult } from "./types.ts";

const ROOT = path.resolve(import.meta.dirname, "..");
const AGENTS = ["heartbeat", "vibration-monitor"];
const EVENTS = 400;

async function measure(engine: FirmwareEngine, policy?: string): Promise<{ sizes: Map<string, PartSize>; instrPerEvent: Map<string, number>; total: { text: number; data: number; bss: number } }> {
  const out = path.join(ROOT, "build/firmware-bench", policy ? `${engine}-policy` : engine);
  const built = await buildFirmware({ root: ROOT, board: "mps2-an386", agents: AGENTS, events: EVENTS, out, engine, ...(policy ? { policy } : {}) });
  const sizes = firmwareSizes(built.map, path.join(out, "mps2-an386.objects.json"), ROOT);
  const run = await runQemu({ board: "mps2-an386", elf: built.elf, timeoutMs: 120_000, icount: true });
  if (run.code !== 0) throw new Error(`bench firmware (${engine}) exited ${run.code}: ${run.stdout.slice(-500)}`);
  const hz = Number(/ticks_hz=(\d+)/.exec(run.stdout)?.[1]);
  const instrPerEvent = new Map<string, number>();
  for (const [agent, m] of parseFirmwareOutput(run.stdout).metrics)
    instrPerEvent.set(agent, Math.round(((m.ticks as number) * (1e9 / hz)) / (m.events as number)));
  return { sizes, instrPerEvent, total: built.size };
}

/** A site policy that checks every publish of the bench's agents and refuses none: what the checks cost. */
function benchPolicy(): string {
  const file = path.join(ROOT, "build/firmware-bench/policy.yaml");
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, ["site: lab", "dataClasses: { accel0: raw }", "topics: { event/#: derived }", "egress: [public, derived]", "localOnly: [features/#]", "rateLimits:", "  - { agent: heartbeat, topic: presence/#, perSecond: 10, burst: 10 }", "  - { agent: \"*\", topic: event/#, perSecond: 10, burst: 10 }", ""].join("\n"));
  return file;
}

const sum = (sizes: Map<string, PartSize>, parts: string[], k: keyof PartSize) => parts.reduce((s, p) => s + (sizes.get(p)?.[k] ?? 0), 0);

export async function run(): Promise<BenchResult[]> {
  for (const t of ["wasm2c", "arm-none-eabi-gcc", "qemu-system-arm"]) if (!hasTool(t)) throw new Error(`bench/firmware needs ${t}`);
  const r: BenchResult[] = [];
  const native = await measure("native");
  const core = ["runtime", "engine", "port", "config"];
  r.push({ name: "firmware runtime alone (runtime + native engine + port + agent table), flash", value: sum(native.sizes, core, "flash"), unit: "B", note: "mps2-an386, -Os, linker map after gc-sections; C library apart" });
  r.push({ name: "firmware runtime alone, RAM", value: sum(native.sizes, core, "ram"), unit: "B", note: "static: bus queue, message buffers, link state; no heap" });
  r.push({ name: "C library (newlib-nano, soft double) linked in, flash", value: sum(native.sizes, ["libc"], "flash"), unit: "B" });
  for (const a of AGENTS) {
    const key = `agent:${a.replace(/-/g, "_")}`;
    r.push({ name: `${a} native (wasm2c), flash`, value: native.sizes.get(key)?.flash ?? 0, unit: "B" });
    r.push({ name: `${a} native, RAM`, value: native.sizes.get(key)?.ram ?? 0, unit: "B", note: "one 64 KiB page of linear memory + instance" });
    r.push({ name: `${a} native, instructions per event`, value: native.instrPerEvent.get(a) ?? 0, unit: "instr", note: "QEMU -icount shift=0, SysTick around each event" });
  }
  // the site policy enforced on the device: same agents, same events, every publish checked
  const gated = await measure("native", benchPolicy());
  const perEvent = (m: Map<string, number>) => AGENTS.reduce((x, a) => x + (m.get(a) ?? 0), 0);
  r.push({ name: "site policy on the firmware: instructions per event with / without (heartbeat + vibration-monitor)", value: Math.round((perEvent(gated.instrPerEvent) / perEvent(native.instrPerEvent)) * 1000) / 1000, unit: "x", note: `same run; ${perEvent(gated.instrPerEvent)} vs ${perEvent(native.instrPerEvent)} instructions (summed over the two agents' mean event); goal <= 1.1x` });
  r.push({ name: "site policy on the firmware: flash of the checks and tables", value: gated.total.text + gated.total.data - native.total.text - native.total.data, unit: "B", note: "ELF with the policy minus without (policy.c is linked either way; this is its tables and the generated config)" });
  const kws = await kwsOnFirmware();
  r.push({ name: "KWS inference on the firmware (TinyML core, wasm2c -O2), instructions", value: kws.instructions, unit: "instr", note: `output ${kws.equal ? "==" : "!="} TFLM golden; linear memory ${kws.memory} B` });
  r.push({ name: "KWS on a 120 MHz Cortex-M4 at 1 instruction/cycle, estimated", value: Math.round(kws.instructions / 120e3 * 10) / 10, unit: "ms", note: "lower bound; TFLM publishes 182 ms at 120 MHz" });
  const abi = await kwsThroughModelInvoke();
  const round2 = (x: number) => Math.round(x * 100) / 100;
  r.push({ name: "KWS inference through an agent's model_invoke on the firmware, instructions", value: abi.instructions, unit: "instr", note: `output ${abi.equal ? "==" : "!="} TFLM golden; the core call with its input and output copies` });
  r.push({ name: "KWS through model_invoke / the separate kws_main measurement", value: round2(abi.instructions / kws.instructions), unit: "x", note: "same run" });
  r.push({ name: "KWS through model_invoke, instructions / TFLM's published cycles (182 ms x 120 MHz = 21.84 M)", value: round2(abi.instructions / 21.84e6), unit: "x", note: "TFLM with CMSIS-NN on a Cortex-M4F; ours at 1 instruction a cycle is a lower bound" });
  r.push({ name: "TinyML core on the firmware (wasm2c -O2 + glue), flash", value: abi.sizes.get("model core")?.flash ?? 0, unit: "B" });
  r.push({ name: "TinyML core on the firmware, RAM", value: abi.sizes.get("model core")?.ram ?? 0, unit: "B", note: `static arena of ${abi.arenaBytes} B: the core's linear memory with the largest model (model copy + tables + activations)` });
  for (const m of abi.models) r.push({ name: `model ${m.name} embedded (compiled from ${path.basename(m.file)}), flash`, value: abi.sizes.get(`model:${m.name}`)?.flash ?? 0, unit: "B", note: `its RAM is the core's arena: ${m.coreMemory} B of linear memory loaded` });
  r.push({ name: "wasm3 published footprint (README), code", value: 65536, unit: "B", note: "published, not measured here; RAM ~10 KB" });
  r.push({ name: "WAMR published footprint, code", value: 30 * 1024, unit: "B", note: "published range 30-60 KB (interpreter), not measured here" });
  const ed = await ed25519OnFirmware();
  r.push({ name: "Ed25519 sign (128-byte message) on the firmware, instructions", value: ed.sign, unit: "instr", note: "firmware/crypto, -Os, mps2-an386, QEMU -icount shift=0; an envelope's seal is one sign" });
  r.push({ name: "Ed25519 verify (128-byte message) on the firmware, instructions", value: ed.verify, unit: "instr", note: "an envelope's open is one verify" });
  r.push({ name: "Ed25519 public key from seed on the firmware, instructions", value: ed.public, unit: "instr", note: "once per new simulated sender (derived keys)" });
  r.push({ name: "SHA-256 of 128 bytes on the firmware, instructions", value: ed.sha256, unit: "instr" });
  r.push({ name: "Ed25519 sign at 120 MHz, 1 instruction/cycle, estimated", value: Math.round((ed.sign / 120e3) * 10) / 10, unit: "ms", note: "lower bound from the instruction count" });
  r.push({ name: "Ed25519 verify at 120 MHz, 1 instruction/cycle, estimated", value: Math.round((ed.verify / 120e3) * 10) / 10, unit: "ms" });
  r.push({ name: "firmware crypto (SHA-256, SHA-512, Ed25519), flash", value: ed.cryptoFlash, unit: "B", note: "-Os objects, text + data (arm-none-eabi-size)" });
  r.push({ name: "firmware envelope sealing and opening (envelope.c), flash", value: ed.envelopeFlash, unit: "B", note: "-Os object; RAM: 16 sender slots + buffers" });
  if (wasm3Dir()) {
    const w3 = await measure("wasm3");
    r.push({ name: "wasm3 interpreter as built here (its sources + our engine glue), flash", value: sum(w3.sizes, ["wasm3", "engine"], "flash"), unit: "B", note: "WASM3_DIR, -Os, no WASI" });
    for (const a of AGENTS) {
      const n = native.instrPerEvent.get(a) ?? 0;
      const i = w3.instrPerEvent.get(a) ?? 0;
      r.push({ name: `${a} wasm3, instructions per event`, value: i, unit: "instr" });
      r.push({ name: `${a} wasm3 / native instructions per event`, value: Math.round((i / n) * 100) / 100, unit: "x", note: "same run" });
    }
  }
  return r;
}

/** Instructions for one KWS inference by the TinyML core on the board (wasm2c, -O2), and whether it matched TFLM's output. */
export async function kwsOnFirmware(): Promise<{ instructions: number; equal: boolean; memory: number }> {
  const { buildInferenceCore, compileModel, encodeCompiledModel } = await import("../host/tinyml/index.ts");
  const t = TARGETS["mps2-an386"]!;
  const dir = path.join(ROOT, "build/firmware-bench/kws");
  mkdirSync(dir, { recursive: true });
  const wasm = await buildInferenceCore();
  execFileSync("wasm2c", [wasm, "-n", "core", "-o", path.join(dir, "core.c")], { stdio: "pipe" });
  const fix = path.join(ROOT, "test/fixtures/tinyml");
  const arrays: [string, Uint8Array][] = [
    ["kws_model", encodeCompiledModel(compileModel(new Uint8Array(readFileSync(path.join(ROOT, "models/kws.tflite")))))],
    ["kws_input", new Uint8Array(readFileSync(path.join(fix, "inputs/kws_sample.bin")))],
    ["kws_golden", new Uint8Array(readFileSync(path.join(fix, "golden/kws_sample.tflm.out.bin")))],
  ];
  writeFileSync(
    path.join(dir, "kws_data.c"),
    arrays.map(([n, b]) => `const unsigned char ${n}[] = {${Array.from(b).join(",")}};\nconst unsigned int ${n}_len = ${b.length};\n`).join(""),
  );
  const elf = path.join(dir, "kws.elf");
  const inc = ["firmware/runtime", "firmware/engines", "firmware/engines/native"].map((d) => `-I${path.join(ROOT, d)}`);
  const srcs = ["firmware/bench/kws_main.c", "firmware/engines/native/wasm_rt_bare.c", "firmware/runtime/print.c", "boards/cortex-m/mps2-an386/port.c", "boards/cortex-m/startup.c"].map((s) => path.join(ROOT, s));
  execFileSync(t.cc, [...t.cflags, "-O2", "-DWASM_RT_SKIP_SIGNAL_RECOVERY=1", ...inc, `-I${dir}`, "-I/usr/src/wasm2c", ...srcs, path.join(dir, "core.c"), path.join(dir, "kws_data.c"), ...t.ldflags(ROOT), "-o", elf], { stdio: "pipe" });
  const run = await runQemu({ board: "mps2-an386", elf, timeoutMs: 300_000, icount: true });
  const m = /kws ticks=(\d+) ticks_hz=(\d+) equal=(\d) memory=(\d+)/.exec(run.stdout);
  if (!m) throw new Error(`kws on mps2-an386: ${run.stdout.slice(-300)} ${run.stderr.slice(-300)}`);
  return { instructions: Math.round(Number(m[1]) * (1e9 / Number(m[2]))), equal: m[3] === "1", memory: Number(m[4]) };
}

/** One KWS inference by an agent (test/firmware/agents/modeler) through model_invoke on mps2-an386, and the model parts' sizes. */
export async function kwsThroughModelInvoke(): Promise<{ instructions: number; equal: boolean; sizes: Map<string, PartSize>; models: FirmwareModel[]; arenaBytes: number }> {
  const { buildAgents } = await import("../host/compile/index.ts");
  const agents = path.join(ROOT, "build/firmware-bench/model-agents");
  await buildAgents({ root: ROOT, agentsDir: "test/firmware/agents", outDir: agents, only: ["modeler"] });
  const out = path.join(ROOT, "build/firmware-bench/model");
  const modeler = { name: "modeler", wasmPath: path.join(agents, "modeler.wasm"), manifestPath: path.join(agents, "modeler.json") };
  const built = await buildFirmware({ root: ROOT, board: "mps2-an386", agents: [modeler], events: 1, out });
  const run = await runQemu({ board: "mps2-an386", elf: built.elf, timeoutMs: 120_000, icount: true });
  const hz = Number(/ticks_hz=(\d+)/.exec(run.stdout)?.[1]);
  const ticks = /^model modeler kws bytes=12 ticks=(\d+)/m.exec(run.stdout)?.[1];
  if (run.code !== 0 || !ticks || !hz) throw new Error(`kws through model_invoke on mps2-an386: ${run.stdout.slice(-300)} ${run.stderr.slice(-300)}`);
  const golden = readFileSync(path.join(ROOT, "test/fixtures/tinyml/golden/kws_sample.tflm.out.bin")).toString("hex");
  const sizes = firmwareSizes(built.map, path.join(out, "mps2-an386.objects.json"), ROOT);
  const arenaBytes = Math.max(...built.models.map((m) => m.coreMemory));
  return { instructions: Math.round(Number(ticks) * (1e9 / hz)), equal: run.stdout.includes(`pub modeler test/model a2616e0c666f75747075744c${golden}`), sizes, models: built.models, arenaBytes };
}

/** Instructions for Ed25519 on mps2-an386 (firmware/bench/ed25519_main.c, -Os as the firmware builds it). */
export async function ed25519OnFirmware(): Promise<{ public: number; sign: number; verify: number; sha256: number; cryptoFlash: number; envelopeFlash: number }> {
  const t = TARGETS["mps2-an386"]!;
  const dir = path.join(ROOT, "build/firmware-bench/ed25519");
  mkdirSync(dir, { recursive: true });
  const elf = path.join(dir, "ed25519.elf");
  const inc = ["firmware/runtime", "firmware/crypto"].map((d) => `-I${path.join(ROOT, d)}`);
  const srcs = ["firmware/bench/ed25519_main.c", "firmware/crypto/sha256.c", "firmware/crypto/sha512.c", "firmware/crypto/ed25519.c", "firmware/runtime/print.c", "boards/cortex-m/mps2-an386/port.c", "boards/cortex-m/startup.c"];
  execFileSync(t.cc, [...t.cflags, ...inc, ...srcs.map((s) => path.join(ROOT, s)), ...t.ldflags(ROOT), "-o", elf], { stdio: "pipe" });
  const run = await runQemu({ board: "mps2-an386", elf, timeoutMs: 300_000, icount: true });
  const m = /ed25519 public=(\d+) sign=(\d+) verify=(\d+) sha256_128=(\d+) ticks_hz=(\d+) ok=1 refused=1/.exec(run.stdout);
  if (!m || run.code !== 0) throw new Error(`ed25519 on mps2-an386 (exit ${run.code}): ${run.stdout.slice(-300)} ${run.stderr.slice(-300)}`);
  const instr = (ticks: string) => Math.round(Number(ticks) * (1e9 / Number(m[5])));
  // flash of the objects as a firmware build compiles them
  const flash = (files: string[]) =>
    files.reduce((total, f) => {
      const obj = path.join(dir, `${path.basename(f, ".c")}.o`);
      execFileSync(t.cc, [...t.cflags, ...inc, "-c", path.join(ROOT, f), "-o", obj], { stdio: "pipe" });
      const cols = execFileSync(t.size, [obj], { encoding: "utf8" }).trim().split("\n")[1]!.trim().split(/\s+/);
      return total + Number(cols[0]) + Number(cols[1]);
    }, 0);
  return {
    public: instr(m[1]!),
    sign: instr(m[2]!),
    verify: instr(m[3]!),
    sha256: instr(m[4]!),
    cryptoFlash: flash(["firmware/crypto/sha256.c", "firmware/crypto/sha512.c", "firmware/crypto/ed25519.c"]),
    envelopeFlash: flash(["firmware/runtime/envelope.c"]),
  };
}
