// `colony firmware build`: the agents' metered modules, the portable runtime
// (firmware/), an engine and a board port compiled into one ELF.
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { buildAgents } from "../../compile/index.ts";
import { checkImports, loadBoard, parseManifest, PAGE_BYTES, type Manifest } from "../../kernel/index.ts";
import { loadPolicy } from "../../governance/index.ts";
import { parseModule } from "../../wasm/index.ts";
import { cName, configSource, type FirmwareAgent, type FirmwareEngine } from "./config.ts";
import { run, runAsync } from "./exec.ts";
import { generateNative } from "./native.ts";
import { generateModels, type FirmwareModel } from "./models.ts";
import { firmwareKeys } from "./keys.ts";
import { FirmwareBuildError, targetFor } from "./targets.ts";
import { wasm3Sources } from "./wasm3.ts";
import { generateAgentsPartition, type AgentsPartitionOptions } from "./agents-partition.ts";

export interface AgentInput {
  name: string;
  wasmPath: string;
  manifestPath: string;
}

export interface FirmwareBuildOptions {
  root: string;
  board: string;
  /** shipped agent names (built from assembly/agents) or explicit files */
  agents: (string | AgentInput)[];
  /** events before a clean exit; 0 runs until stopped */
  events: number;
  out: string;
  engine?: FirmwareEngine;
  /** join the fleet over the link UART (real time) */
  link?: boolean;
  clock?: "virtual" | "real";
  deviceId?: string;
  site?: string;
  seed?: number;
  /** with link: seal what the agents publish and open what arrives (default true); keys: keys.ts */
  sealed?: boolean;
  /** this device's Ed25519 seed (64 hex digits); default: derived from `seed` as the simulator does */
  keyFile?: string;
  /** JSON { device id: public key hex } of senders to trust beyond the simulator's derived keys */
  trustFile?: string;
  /** the first envelope's seq - 1 (default: the build's time in seconds) */
  seqBase?: number;
  /** the site policy YAML the device enforces on publish and actuator commands and, with an agents partition, on OTA installs (docs/governance.md) */
  policy?: string;
  /** model name -> .tflite for granted models (default models/<name>.tflite) */
  models?: Record<string, string>;
  /** wasm3 agents loaded at boot from an `agents` partition of signed bundles (firmware/ota) */
  agentsPartition?: AgentsPartitionOptions;
}

export interface FirmwareBuildResult {
  /** the ELF ("" for an ESP-IDF board, whose build is idf.py's) */
  elf: string;
  /** the generated C: the agent table and, for native agents, wasm2c's output with its glue */
  generated: string;
  /** the linker's map: what every object contributes */
  map: string;
  board: string;
  agents: { name: string; engine: FirmwareEngine; wasmBytes: number; memoryPages: number }[];
  size: { text: number; data: number; bss: number };
  /** the models embedded for `model:<name>` grants (empty without any) */
  models: FirmwareModel[];
}

export const DEFAULT_EVENTS = 100;

async function resolveAgents(root: string, agents: (string | AgentInput)[]): Promise<AgentInput[]> {
  const shipped = agents.filter((a): a is string => typeof a === "string");
  if (shipped.length) await buildAgents({ root, only: shipped });
  return agents.map((a) =>
    typeof a === "string" ? { name: a, wasmPath: path.join(root, "build/agents", `${a}.wasm`), manifestPath: path.join(root, "build/agents", `${a}.json`) } : a,
  );
}

function cFiles(dir: string): string[] {
  return readdirSync(dir).filter((f) => f.endsWith(".c")).sort().map((f) => path.join(dir, f));
}

/** Parses sizes from `size` (Berkeley format). */
export function parseSize(stdout: string): { text: number; data: number; bss: number } {
  const line = stdout.trim().split("\n")[1]?.trim().split(/\s+/) ?? [];
  return { text: Number(line[0]), data: Number(line[1]), bss: Number(line[2]) };
}

export async function buildFirmware(o: FirmwareBuildOptions): Promise<FirmwareBuildResult> {
  const root = path.resolve(o.root);
  const target = targetFor(o.board);
  const board = loadBoard(o.board);
  const engine = o.engine ?? "native";
  if (o.agents.length === 0) throw new FirmwareBuildError("no agents given (--agents a,b)");
  if (!Number.isInteger(o.events) || o.events < 0) throw new FirmwareBuildError(`--events must be a whole number >= 0, got ${o.events}`);
  const out = path.resolve(o.out);
  const gen = path.join(out, `${o.board}-gen`);
  mkdirSync(gen, { recursive: true });

  const inputs = await resolveAgents(root, o.agents);
  const agents: FirmwareAgent[] = [];
  const wasm3Modules = new Map<string, Uint8Array>();
  let memoryBytes = 0;
  for (const input of inputs) {
    if (!existsSync(input.wasmPath)) throw new FirmwareBuildError(`agent ${input.name}: ${input.wasmPath} does not exist (run colony build)`);
    const manifest: Manifest = parseManifest(readFileSync(input.manifestPath, "utf8"), input.manifestPath);
    const wasm = new Uint8Array(readFileSync(input.wasmPath));
    const info = parseModule(wasm);
    checkImports(info, manifest); // the same refusal, by import name, as the simulator's loader
    const initial = info.memory?.min ?? 0;
    if (initial > manifest.resources.memoryPages)
      throw new FirmwareBuildError(`agent ${manifest.name}: module starts with ${initial} memory pages, manifest resources.memoryPages is ${manifest.resources.memoryPages}`);
    if (manifest.resources.fuelPerEvent > board.fuelPerEventMax)
      throw new FirmwareBuildError(`agent ${manifest.name}: fuelPerEvent ${manifest.resources.fuelPerEvent} exceeds ${board.name}'s fuelPerEventMax ${board.fuelPerEventMax}`);
    memoryBytes += manifest.resources.memoryPages * PAGE_BYTES;
    const a: FirmwareAgent = { manifest, wasmPath: input.wasmPath, cname: cName(manifest.name), memoryPages: manifest.resources.memoryPages, engine };
    if (agents.some((x) => x.cname === a.cname)) throw new FirmwareBuildError(`agent ${manifest.name} is given twice`);
    agents.push(a);
    if (engine === "wasm3") wasm3Modules.set(a.cname, wasm);
  }
  if (memoryBytes > board.agentMemoryBytes)
    throw new FirmwareBuildError(`the agents need ${memoryBytes} bytes of linear memory; ${board.name} gives agents ${board.agentMemoryBytes}`);

  const fw = path.join(root, "firmware");
  const sources = [...cFiles(path.join(fw, "runtime")), ...cFiles(path.join(fw, "crypto")), ...cFiles(path.join(root, target.portDir))];
  const parent = path.dirname(path.join(root, target.portDir));
  sources.push(...cFiles(parent)); // family-wide files (startup)
  const includes = [path.join(fw, "runtime"), path.join(fw, "crypto"), path.join(fw, "engines"), gen];
  const defines: string[] = [];
  if (engine === "native") {
    sources.push(...cFiles(path.join(fw, "engines/native")));
    includes.push(path.join(fw, "engines/native"), "/usr/src/wasm2c");
    defines.push("-DWASM_RT_MAX_CALL_STACK_DEPTH=256", "-DWASM_RT_SKIP_SIGNAL_RECOVERY=1");
    for (const a of agents) sources.push(...generateNative(a, gen).sources);
  } else if (target.idf) {
    // ESP-IDF builds the runtime, the engine and wasm3 itself (boards/esp32/main/CMakeLists.txt)
  } else {
    const w3 = wasm3Sources();
    sources.push(...cFiles(path.join(fw, "engines/wasm3")), ...w3.sources);
    includes.push(path.join(fw, "engines/wasm3"), w3.include);
    defines.push(...w3.defines);
  }
  // the TinyML core and the granted models (models.ts); wasm2c's bare runtime comes with the native engine
  const models = await generateModels(root, agents.map((a) => a.manifest), gen, o.models);
  if (models) {
    sources.push(...models.sources);
    if (engine !== "native" && !target.idf) {
      sources.push(path.join(fw, "engines/native/wasm_rt_bare.c"));
      includes.push(path.join(fw, "engines/native"), "/usr/src/wasm2c");
      defines.push("-DWASM_RT_MAX_CALL_STACK_DEPTH=256", "-DWASM_RT_SKIP_SIGNAL_RECOVERY=1");
    }
  }
  const deviceId = o.deviceId ?? `${o.board}-1`;
  // a linked device seals what its agents publish (envelope.c); the keys come from the build
  const envelope =
    o.link && o.sealed !== false
      ? firmwareKeys({ deviceId, ...(o.keyFile === undefined || o.seed !== undefined ? { seed: o.seed ?? 1 } : {}), ...(o.keyFile !== undefined ? { keyFile: o.keyFile } : {}), ...(o.trustFile !== undefined ? { trustFile: o.trustFile } : {}), ...(o.seqBase !== undefined ? { seqBase: o.seqBase } : {}) })
      : undefined;
  const policy = o.policy !== undefined ? loadPolicy(o.policy) : undefined;
  const configPath = path.join(gen, "colony_config.c");
  writeFileSync(
    configPath,
    configSource(
      agents,
      {
        board: o.board,
        deviceId,
        site: o.site ?? "lab",
        maxEvents: o.events,
        clock: o.clock ?? (o.link || target.idf ? "real" : "virtual"),
        link: o.link ?? false,
        seed: o.seed ?? 1,
        ...(envelope ? { envelope } : {}),
        ...(policy ? { policy } : {}),
      },
      wasm3Modules,
    ),
  );
  sources.push(configPath);
  if (o.agentsPartition) {
    if (engine !== "wasm3") throw new FirmwareBuildError("agents from the agents partition run on wasm3: use --engine wasm3");
    sources.push(...cFiles(path.join(fw, "ota")), generateAgentsPartition({ ...o.agentsPartition, inFlash: target.idf ?? false, ...(policy ? { policy } : {}) }, gen).source);
    includes.push(path.join(fw, "ota"));
  }
  if (target.idf)
    return {
      elf: "",
      map: "",
      generated: gen,
      board: o.board,
      agents: agents.map((a) => ({ name: a.manifest.name, engine: a.engine, wasmBytes: readFileSync(a.wasmPath).length, memoryPages: a.memoryPages })),
      size: { text: 0, data: 0, bss: 0 },
      models: models?.models ?? [],
    };
  const elf = path.join(out, `${o.board}.elf`);
  const map = path.join(out, `${o.board}.map`);
  // one object per source, so the link map attributes every byte to its file
  const objDir = path.join(gen, "obj");
  mkdirSync(objDir, { recursive: true });
  const flags = [...target.cflags, ...defines, ...includes.map((i) => `-I${i}`)];
  const objects = await Promise.all(
    sources.map(async (src, i) => {
      const obj = path.join(objDir, `${i}-${path.basename(src, ".c")}.o`);
      await runAsync(target.cc, [...flags, ...(models?.flags.get(src) ?? []), "-c", src, "-o", obj], `compiling ${path.relative(root, src)}`);
      return obj;
    }),
  );
  run(target.cc, [...target.cflags, ...objects, ...target.ldflags(root), `-Wl,-Map=${map}`, "-o", elf], `linking ${path.basename(elf)}`);
  writeFileSync(path.join(out, `${o.board}.objects.json`), JSON.stringify(sources.map((src, i) => ({ source: src, object: objects[i] })), null, 1));
  const size = parseSize(run(target.size, [elf], `${target.size} ${elf}`));
  return {
    elf,
    map,
    generated: gen,
    board: o.board,
    agents: agents.map((a) => ({ name: a.manifest.name, engine: a.engine, wasmBytes: readFileSync(a.wasmPath).length, memoryPages: a.memoryPages })),
    size,
    models: models?.models ?? [],
  };
}
