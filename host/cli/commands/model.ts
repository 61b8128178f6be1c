// colony model compile|run: turn a .tflite into Colony's compiled model, or run one on an input.
import { readFileSync, writeFileSync } from "node:fs";
import { basename } from "node:path";
import type { Command } from "commander";
import { acceleratorOf, BoardError, cpuOf, loadBoard, type BoardProfile } from "../../kernel/index.ts";
import {
  checkFitsBoard, compileModel, decodeCompiledModel, encodeCompiledModel, ModelError, ModelService, ramNeeded,
  type CompiledModel, type ModelServiceOptions,
} from "../../tinyml/index.ts";
import { CliError } from "../errors.ts";

function readFile(path: string, what: string): Uint8Array {
  try {
    return new Uint8Array(readFileSync(path));
  } catch (e) {
    throw new CliError(`cannot read ${what} ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

/** A .tflite (compiled here) or an already compiled model (magic "CTML"). */
function loadModel(path: string): CompiledModel {
  const bytes = readFile(path, "model");
  try {
    const compiled = bytes.length >= 4 && String.fromCharCode(bytes[0]!, bytes[1]!, bytes[2]!, bytes[3]!) === "CTML";
    return compiled ? decodeCompiledModel(bytes) : compileModel(bytes);
  } catch (e) {
    if (e instanceof ModelError) throw new CliError(`${path}: ${e.message}`);
    throw e;
  }
}

function board(name: string | undefined): BoardProfile | undefined {
  if (!name) return undefined;
  try {
    return loadBoard(name);
  } catch (e) {
    if (e instanceof BoardError) throw new CliError((e as Error).message);
    throw e;
  }
}

function checkBoard(m: CompiledModel, b: BoardProfile | undefined, path: string): void {
  if (!b) return;
  // Models get the RAM the kernel does not reserve for agents.
  const budget = b.ramBytes - b.agentMemoryBytes;
  try {
    checkFitsBoard(m, budget, b.flashBytes);
  } catch (e) {
    if (e instanceof ModelError)
      throw new CliError(`${path} does not fit ${b.name} (RAM ${b.ramBytes} B less ${b.agentMemoryBytes} B for agents): ${e.message}`);
    throw e;
  }
}

const num = (n: number): string => n.toLocaleString("en-US");

function printSummary(path: string, m: CompiledModel): void {
  const s = m.summary;
  const w = process.stdout;
  w.write(`${path}\n`);
  w.write(`  input   [${s.input.shape}] ${s.input.type} scale ${s.input.scale} zero point ${s.input.zeroPoint}\n`);
  w.write(`  output  [${s.output.shape}] ${s.output.type} scale ${s.output.scale} zero point ${s.output.zeroPoint}\n`);
  w.write(`  ops     ${Object.entries(s.opCounts).map(([k, v]) => `${k} ${v}`).join(", ")}\n`);
  for (const op of s.ops) w.write(`    ${String(op.index).padStart(3)} ${op.name.padEnd(20)} -> [${op.output}]${op.macs ? `  ${num(op.macs)} MACs` : ""}\n`);
  w.write(`  params  ${num(s.paramBytes)} B\n`);
  w.write(`  MACs    ${num(s.macs)}\n`);
  w.write(`  arena   ${num(s.arenaBytes)} B (RAM with the core's tables: ${num(ramNeeded(m))} B)\n`);
}

export function register(program: Command): void {
  const model = program.command("model").description("TinyML models: compile a .tflite, run a model on an input");

  model
    .command("compile")
    .description("compile a .tflite (int8, schema v3) into Colony's model format; print its operators, parameters, MACs and arena")
    .argument("<file>", "the .tflite model")
    .option("--out <file>", "write the compiled model here")
    .option("--board <name>", "refuse the model if it does not fit this board's RAM and flash")
    .option("--json", "print the summary as JSON")
    .action((file: string, o: { out?: string; board?: string; json?: boolean }) => {
      const m = loadModel(file);
      checkBoard(m, board(o.board), file);
      const bytes = encodeCompiledModel(m);
      if (o.out) writeFileSync(o.out, bytes);
      if (o.json) process.stdout.write(JSON.stringify({ ...m.summary, ramBytes: ramNeeded(m), compiledBytes: bytes.length }, null, 2) + "\n");
      else {
        printSummary(file, m);
        if (o.out) process.stdout.write(`  wrote   ${o.out} (${num(bytes.length)} B)\n`);
      }
    });

  model
    .command("run")
    .description("run a model (.tflite or compiled) on a raw int8 input tensor and print the output tensor")
    .argument("<model>", "the .tflite or compiled model")
    .argument("<input>", "raw int8 input bytes, in the model's input layout")
    .option("--out <file>", "write the output tensor as raw int8 bytes")
    .option("--board <name>", "run with this board's compute units (its NPU, if any) and check that the model fits")
    .option("--json", "print the result as JSON")
    .action(async (file: string, inputPath: string, o: { out?: string; board?: string; json?: boolean }) => {
      const m = loadModel(file);
      const b = board(o.board);
      checkBoard(m, b, file);
      const input = readFile(inputPath, "input");
      const opts: ModelServiceOptions = {};
      if (b) {
        const cpu = cpuOf(b);
        const acc = acceleratorOf(b);
        opts.cpu = { id: cpu.id, mhz: cpu.mhz, activeMw: cpu.activeMw };
        if (acc?.ops && acc.macsPerCycle !== undefined && acc.energyPerMacPj !== undefined)
          opts.npu = { id: acc.id, ops: acc.ops, mhz: acc.mhz, macsPerCycle: acc.macsPerCycle, energyPerMacPj: acc.energyPerMacPj };
      }
      const svc = await ModelService.create(opts);
      const name = basename(file).replace(/\.[^.]*$/, "");
      svc.register(name, m);
      const out = new Uint8Array(m.summary.output.bytes);
      let result;
      try {
        result = svc.invoke(name, input, out);
      } catch (e) {
        if (e instanceof ModelError) throw new CliError(`${inputPath}: ${e.message}`);
        throw e;
      }
      if (o.out) writeFileSync(o.out, out);
      const values = [...new Int8Array(out.buffer)];
      const { scale, zeroPoint } = m.summary.output;
      const real = values.map((v) => (v - zeroPoint) * scale);
      const top = real.indexOf(Math.max(...real));
      if (o.json) {
        process.stdout.write(JSON.stringify({ output: values, dequantized: real, argmax: top, macs: result.macs, unit: result.unit, costs: result.costs }, null, 2) + "\n");
        return;
      }
      process.stdout.write(`output [${m.summary.output.shape}] int8: ${values.join(" ")}\n`);
      if (values.length <= 32) process.stdout.write(`dequantized: ${real.map((x) => x.toFixed(4)).join(" ")}\nargmax: ${top}\n`);
      process.stdout.write(`MACs ${num(result.macs)} on ${result.unit}`);
      for (const c of result.costs) process.stdout.write(`; ${c.id}: ${c.ops} ops, ${num(c.macs)} MACs, ~${(c.timeUs / 1000).toFixed(2)} ms, ~${c.energyUj.toFixed(1)} uJ`);
      process.stdout.write("\n");
      if (o.out) process.stdout.write(`wrote ${o.out} (${out.length} B)\n`);
    });
}
