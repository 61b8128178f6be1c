// The model service behind the `model_invoke` host import: named compiled models, each in its own
// core instance; an operator runs on the board's NPU when the NPU supports it, on the CPU otherwise.
import { readFileSync } from "node:fs";
import { ABI_RESULT, ModelError } from "./errors.ts";
import { buildInferenceCore } from "./build.ts";
import { decodeCompiledModel, encodeCompiledModel } from "./format.ts";
import { CoreInstance } from "./core.ts";
import { tensorBytes, type CompiledModel } from "./model.ts";
import { cpuCost, npuCost, npuSupports, runOnNpu, type CpuUnit, type NpuUnit, type UnitCost } from "./npu/npu.ts";

export type ComputeUnitName = "cpu" | "npu";

export interface InvokeResult {
  /** Output bytes written. */
  bytes: number;
  macs: number;
  /** "npu" if any operator ran on the NPU, else "cpu". */
  unit: ComputeUnitName;
  /** Time and energy per compute unit (cost model of the profile). */
  costs: UnitCost[];
}

export interface ModelServiceOptions {
  cpu?: CpuUnit;
  npu?: NpuUnit;
}

export class ModelService {
  private readonly models = new Map<string, CoreInstance>();
  /** Totals per compute unit since the service started. */
  readonly totals = new Map<string, UnitCost>();

  private constructor(
    private readonly core: WebAssembly.Module,
    readonly options: ModelServiceOptions,
  ) {}

  /** Builds (if needed) and compiles the inference core once; register and invoke are then synchronous. */
  static async create(options: ModelServiceOptions = {}): Promise<ModelService> {
    const wasm = await buildInferenceCore();
    return new ModelService(new WebAssembly.Module(readFileSync(wasm)), options);
  }

  /** Adds (or replaces) model `name`, compiled or in its encoded form. */
  register(name: string, compiled: CompiledModel | Uint8Array): void {
    const model = compiled instanceof Uint8Array ? decodeCompiledModel(compiled) : compiled;
    const bytes = compiled instanceof Uint8Array ? compiled : encodeCompiledModel(model);
    this.models.set(name, CoreInstance.instantiate(this.core, model, bytes));
  }

  has(name: string): boolean {
    return this.models.has(name);
  }
  names(): string[] {
    return [...this.models.keys()];
  }
  model(name: string): CompiledModel {
    return this.get(name).model;
  }

  /** Runs model `name` on `input` into `output`; throws ModelError on bad arguments, never traps. */
  invoke(name: string, input: Uint8Array, output: Uint8Array, unit?: ComputeUnitName): InvokeResult {
    const core = this.get(name);
    const m = core.model;
    const inBytes = tensorBytes(m.tensors[m.inputs[0]!]!);
    const outBytes = tensorBytes(m.tensors[m.outputs[0]!]!);
    if (input.length !== inBytes) throw new ModelError("bad-input-length", `model "${name}" takes ${inBytes} input bytes, got ${input.length}`);
    if (output.length < outBytes) throw new ModelError("output-too-small", `model "${name}" writes ${outBytes} output bytes, the buffer holds ${output.length}`);
    const npu = unit === "cpu" ? undefined : this.options.npu;
    const cpu: CpuUnit = this.options.cpu ?? { mhz: 120 };
    const costs = new Map<ComputeUnitName, UnitCost>();
    const account = (u: ComputeUnitName, macs: number): void => {
      const c = u === "npu" ? npuCost(npu!, macs) : cpuCost(cpu, macs);
      const id = (u === "npu" ? npu!.id : cpu.id) ?? u;
      for (const into of [costs, this.totals] as Map<string, UnitCost>[]) {
        const t = into.get(u) ?? { unit: u, id, ops: 0, macs: 0, cycles: 0, timeUs: 0, energyUj: 0 };
        t.ops++;
        t.macs += macs;
        t.cycles += c.cycles;
        t.timeUs += c.timeUs;
        t.energyUj += c.energyUj;
        into.set(u, t);
      }
    };
    try {
      core.setInput(input);
      if (!npu) {
        core.invoke();
        for (const op of m.ops) account("cpu", op.macs);
      } else {
        m.ops.forEach((op, k) => {
          if (npuSupports(npu, op)) {
            runOnNpu(m, op, (t) => core.tensor(t));
            account("npu", op.macs);
          } else {
            core.invokeOp(k);
            account("cpu", op.macs);
          }
        });
      }
      output.set(core.output());
    } catch (err) {
      if (err instanceof ModelError) throw err;
      throw new ModelError("core", `model "${name}" failed inside the inference core: ${(err as Error).message}`);
    }
    return { bytes: outBytes, macs: m.summary.macs, unit: costs.has("npu") ? "npu" : "cpu", costs: [...costs.values()] };
  }

  /** invoke() for the `model_invoke` host import: output bytes written, or the negative ABI result. */
  invokeAbi(name: string, input: Uint8Array, output: Uint8Array, unit?: ComputeUnitName): number {
    try {
      return this.invoke(name, input, output, unit).bytes;
    } catch (err) {
      if (err instanceof ModelError) return ABI_RESULT[err.code];
      throw err;
    }
  }

  private get(name: string): CoreInstance {
    const core = this.models.get(name);
    if (!core) throw new ModelError("not-found", `no model named "${name}" (registered: ${this.names().join(", ") || "none"})`);
    return core;
  }
}
