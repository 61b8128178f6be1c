// Kernel figures: dispatch rate (one agent, 1,000 agents), instantiate time,
// module sizes, RAM per agent, fuel-metering overhead. Each ratio is against a
// baseline measured here, in the same process.
import { readFileSync } from "node:fs";
import path from "node:path";
import { compileAssemblyScript } from "../host/compile/index.ts";
import { V8Engine } from "../host/engines/index.ts";
import { Device, LocalBus, loadBoard, parseManifest, TraceLog, VirtualClock, ABI_MODULE, loadModule } from "../host/kernel/index.ts";
import { injectMetering } from "../host/wasm/index.ts";
import type { BenchResult } from "./types.ts";

const ROOT = path.resolve(import.meta.dirname, "..");
const agent = (name: string) => ({
  wasm: new Uint8Array(readFileSync(path.join(ROOT, `build/agents/${name}.wasm`))),
  raw: new Uint8Array(readFileSync(path.join(ROOT, `build/agents/${name}.unmetered.wasm`))),
  manifest: parseManifest(readFileSync(path.join(ROOT, `build/agents/${name}.json`), "utf8"), name),
});

function best(times: number, fn: () => number): number {
  let b = Infinity;
  for (let i = 0; i < times; i++) b = Math.min(b, fn());
  return b;
}

function timeMs(fn: () => void): number {
  const t = performance.now();
  fn();
  return performance.now() - t;
}

/** Events per wall second for `devices` devices each running one heartbeat (1 Hz) for `seconds` simulated seconds. */
function dispatchRate(devices: number, seconds: number, period = 1000): { rate: number; events: number } {
  const hb = agent("heartbeat");
  const manifest = { ...hb.manifest };
  const clock = new VirtualClock();
  const bus = new LocalBus(clock, 1);
  const engine = new V8Engine();
  const board = loadBoard("esp32-devkitc");
  const all: Device[] = [];
  for (let i = 0; i < devices; i++) {
    const d = new Device({ id: `d${i}`, site: "bench", board, clock, bus, engine, seed: i });
    d.install(hb.wasm, manifest);
    all.push(d);
  }
  void period;
  const t = performance.now();
  clock.runUntil(seconds * 1000);
  const ms = performance.now() - t;
  const events = all.reduce((n, d) => n + d.agents.get("heartbeat")!.metrics.events, 0);
  return { rate: events / (ms / 1000), events };
}

/** Raw V8 calls of the same heartbeat's on_event with trivial host functions: the baseline for dispatch. */
function rawRate(n: number): number {
  const hb = agent("heartbeat");
  const inst = new WebAssembly.Instance(new WebAssembly.Module(hb.wasm as Uint8Array<ArrayBuffer>), {
    [ABI_MODULE]: { clock_now: () => 0, clock_timer_set: () => 0, clock_timer_cancel: () => 0, bus_publish: () => 0, bus_subscribe: () => 0 },
  });
  const ex = inst.exports as Record<string, (...a: number[]) => number> & { colony_fuel: WebAssembly.Global; memory: WebAssembly.Memory };
  ex.colony_fuel.value = 2 ** 31 - 1;
  ex.init!();
  const ptr = ex.colony_inbox!(4);
  const t = performance.now();
  for (let i = 0; i < n; i++) {
    ex.colony_fuel.value = 1_000_000;
    new DataView(ex.memory.buffer).setInt32(ptr, 0, true);
    ex.on_event!(1, ptr, 4);
  }
  return n / ((performance.now() - t) / 1000);
}

interface Metered {
  ratio: number;
  metered: number;
  raw: number;
}

async function meteringOverhead(source: string, flags: string[], work: (x: Record<string, (n?: number) => number>) => void): Promise<Metered> {
  const raw = await compileAssemblyScript(path.relative(process.cwd(), path.join(ROOT, source)), ["--noAssert", "--use", "abort=", ...flags]);
  const metered = injectMetering(raw).wasm;
  type Ex = Record<string, (n?: number) => number> & { colony_fuel?: WebAssembly.Global };
  const mk = (b: Uint8Array) => new WebAssembly.Instance(new WebAssembly.Module(b as Uint8Array<ArrayBuffer>)).exports as unknown as Ex;
  const a = mk(raw);
  const m = mk(metered);
  const run = (x: Ex) => () => {
    // the budget is refilled before each call, as the kernel does before each event
    if (x.colony_fuel) x.colony_fuel.value = 2 ** 31 - 1;
    return timeMs(() => work(x));
  };
  if (a.setup) a.setup();
  if (m.setup) {
    m.colony_fuel!.value = 2 ** 31 - 1;
    m.setup();
  }
  run(a)();
  run(m)();
  const tr = best(9, run(a));
  const tm = best(9, run(m));
  return { ratio: tm / tr, metered: tm, raw: tr };
}

export async function run(): Promise<BenchResult[]> {
  const out: BenchResult[] = [];
  const raw = rawRate(200_000);
  const one = dispatchRate(1, 50_000);
  out.push({ name: "kernel: raw V8 on_event calls (baseline)", value: Math.round(raw), unit: "calls/s", note: "same heartbeat module, no kernel" });
  out.push({ name: "kernel: events dispatched, 1 agent", value: Math.round(one.rate), unit: "events/s", note: `${one.events} timer events on the virtual clock; ${(one.rate / raw).toFixed(2)}x of raw` });
  const many = dispatchRate(1000, 30);
  out.push({ name: "kernel: events dispatched, 1,000 agents", value: Math.round(many.rate), unit: "events/s", note: `${many.events} events, 1,000 devices x heartbeat at 1 Hz; ${(many.rate / raw).toFixed(2)}x of raw; ${(many.rate / 1000).toFixed(0)}x real time` });

  const hb = agent("heartbeat");
  const engine = new V8Engine();
  const board = loadBoard("esp32-devkitc");
  const compileMs = best(20, () => timeMs(() => engine.compile(hb.wasm)));
  const loaded = loadModule(hb.wasm, hb.manifest, board, engine);
  const clock = new VirtualClock();
  const instMs = best(50, () => {
    const d = new Device({ id: "i", site: "b", board, clock, bus: new LocalBus(clock), engine });
    return timeMs(() => d.install(hb.wasm, hb.manifest));
  });
  void loaded;
  out.push({ name: "kernel: compile heartbeat (V8)", value: +compileMs.toFixed(3), unit: "ms" });
  out.push({ name: "kernel: install heartbeat (load checks + instantiate + init)", value: +instMs.toFixed(3), unit: "ms", note: `${(instMs / compileMs).toFixed(2)}x of a bare compile` });
  for (const name of ["heartbeat", "vibration-monitor", "responder"]) {
    const a = agent(name);
    out.push({ name: `kernel: ${name}.wasm size`, value: a.wasm.length, unit: "B", note: `${a.raw.length} B before metering (+${(100 * (a.wasm.length / a.raw.length - 1)).toFixed(0)}%); goal for heartbeat < 2048 B` });
  }
  // RAM per agent: the linear memory each shipped agent holds after running a while
  const c2 = new VirtualClock();
  const log = new TraceLog();
  const d = new Device({ id: "m", site: "b", board, clock: c2, bus: new LocalBus(c2), engine, trace: log.sink });
  for (const name of ["heartbeat", "responder"]) {
    const a = agent(name);
    if (name === "responder") continue;
    d.install(a.wasm, a.manifest);
  }
  c2.runUntil(60_000);
  for (const a of d.agents.values()) out.push({ name: `kernel: ${a.agent} RAM after 60 s`, value: a.metrics.memoryBytes, unit: "B", note: `${a.metrics.memoryBytes / 65536} wasm page(s); goal 1 page` });
  const dsp = await meteringOverhead("bench/wasm/dsp.ts", ["--runtime", "minimal", "-Oz"], (x) => {
    for (let i = 0; i < 200; i++) x.window!();
  });
  out.push({ name: "kernel: metering overhead, CPU-heavy agent work", value: +dsp.ratio.toFixed(3), unit: "x", note: `metered ${dsp.metered.toFixed(1)} ms / unmetered ${dsp.raw.toFixed(1)} ms: FIR, FFT, RMS, sort, CRC over 1,024 samples x 200, built as agents are (-Oz); goal <= 1.3x` });
  const loops = await meteringOverhead("test/kernel/wasm/cpu.ts", ["--runtime", "stub", "-O3"], (x) => x.sort!(3000));
  out.push({ name: "kernel: metering overhead, tight loop (insertion sort)", value: +loops.ratio.toFixed(3), unit: "x", note: `metered ${loops.metered.toFixed(1)} ms / unmetered ${loops.raw.toFixed(1)} ms` });
  const calls = await meteringOverhead("test/kernel/wasm/cpu.ts", ["--runtime", "stub", "-O3"], (x) => x.fib!(27));
  out.push({ name: "kernel: metering overhead, worst case (recursive fib)", value: +calls.ratio.toFixed(3), unit: "x", note: `metered ${calls.metered.toFixed(1)} ms / unmetered ${calls.raw.toFixed(1)} ms: a 10-instruction function, prepaid by its callers (a checked charge per arm that calls)` });
  return out;
}
