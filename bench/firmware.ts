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
import { buildFirmware, firmwareSizes, hasTool, parseFirmwareOutput, runQemu, wasm3Dir, type FirmwareEngine, type PartSize } from "../host/firmware/index.ts";
import type { BenchResult } from "./types.ts";

const ROOT = path.resolve(import.meta.dirname, "..");
const AGENTS = ["heartbeat", "vibration-monitor"];
const EVENTS = 400;

async function measure(engine: FirmwareEngine): Promise<{ sizes: Map<string, PartSize>; instrPerEvent: Map<string, number> }> {
  const out = path.join(ROOT, "build/firmware-bench", engine);
  const built = await buildFirmware({ root: ROOT, board: "mps2-an386", agents: AGENTS, events: EVENTS, out, engine });
  const sizes = firmwareSizes(built.map, path.join(out, "mps2-an386.objects.json"), ROOT);
  const run = await runQemu({ board: "mps2-an386", elf: built.elf, timeoutMs: 120_000, icount: true });
  if (run.code !== 0) throw new Error(`bench firmware (${engine}) exited ${run.code}: ${run.stdout.slice(-500)}`);
  const hz = Number(/ticks_hz=(\d+)/.exec(run.stdout)?.[1]);
  const instrPerEvent = new Map<string, number>();
  for (const [agent, m] of parseFirmwareOutput(run.stdout).metrics)
    instrPerEvent.set(agent, Math.round(((m.ticks as number) * (1e9 / hz)) / (m.events as number)));
  return { sizes, instrPerEvent };
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
  const kws = await kwsOnFirmware();
  r.push({ name: "KWS inference on the firmware (TinyML core, wasm2c -O2), instructions", value: kws.instructions, unit: "instr", note: `output ${kws.equal ? "==" : "!="} TFLM golden; linear memory ${kws.memory} B` });
  r.push({ name: "KWS on a 120 MHz Cortex-M4 at 1 instruction/cycle, estimated", value: Math.round(kws.instructions / 120e3 * 10) / 10, unit: "ms", note: "lower bound; TFLM publishes 182 ms at 120 MHz" });
  r.push({ name: "wasm3 published footprint (README), code", value: 65536, unit: "B", note: "published, not measured here; RAM ~10 KB" });
  r.push({ name: "WAMR published footprint, code", value: 30 * 1024, unit: "B", note: "published range 30-60 KB (interpreter), not measured here" });
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
