// The inference core on the host: V8 instantiates core.wasm, the compiled model is copied into its
// memory and loaded once; each inference copies the input in, invokes, and copies the output out.
import { readFileSync } from "node:fs";
import { ModelError } from "./errors.ts";
import { buildInferenceCore } from "./build.ts";
import { encodeCompiledModel } from "./format.ts";
import { tensorBytes, type CompiledModel } from "./model.ts";

interface CoreExports {
  memory: WebAssembly.Memory;
  model_buffer(len: number): number;
  load_model(): number;
  invoke(): number;
  invoke_op(k: number): number;
  input_ptr(i: number): number;
  output_ptr(i: number): number;
  tensor_ptr(t: number): number;
  op_count(): number;
  error_op(): number;
  memory_used(): number;
}

const STATUS: Record<number, string> = {
  [-1]: "bad magic",
  [-2]: "unsupported format version",
  [-3]: "a table or tensor lies outside the model or arena",
  [-4]: "unknown operator code",
  [-5]: "bad tensor shape",
  [-6]: "out of memory",
  [-7]: "no model loaded",
};

let compiled: Promise<WebAssembly.Module> | null = null;

/** The core's wasm module, built on first use if needed. */
export function coreModule(): Promise<WebAssembly.Module> {
  compiled ??= buildInferenceCore().then((path) => WebAssembly.compile(readFileSync(path)));
  return compiled;
}

/** One instance of the core holding one loaded model. */
export class CoreInstance {
  private constructor(
    private readonly x: CoreExports,
    readonly model: CompiledModel,
  ) {}

  static async create(model: CompiledModel, bytes: Uint8Array = encodeCompiledModel(model)): Promise<CoreInstance> {
    return CoreInstance.instantiate(await coreModule(), model, bytes);
  }

  /** Synchronous instantiation from an already compiled core module. */
  static instantiate(module: WebAssembly.Module, model: CompiledModel, bytes: Uint8Array = encodeCompiledModel(model)): CoreInstance {
    const instance = new WebAssembly.Instance(module, {});
    const x = instance.exports as unknown as CoreExports;
    const at = x.model_buffer(bytes.length);
    if (at === 0) throw new ModelError("too-large", `the core cannot grow its memory to hold a ${bytes.length}-byte model`);
    new Uint8Array(x.memory.buffer, at, bytes.length).set(bytes);
    let status: number;
    try {
      status = x.load_model();
    } catch (err) {
      throw new ModelError("core", `inference core trapped while loading the model: ${(err as Error).message}`);
    }
    if (status !== 0) {
      const op = x.error_op();
      throw new ModelError("core", `inference core refused the model: ${STATUS[status] ?? `status ${status}`}${op >= 0 ? ` (operator ${op})` : ""}`);
    }
    return new CoreInstance(x, model);
  }

  get memory(): WebAssembly.Memory {
    return this.x.memory;
  }
  /** Linear memory bytes in use: static data, model, tables, operator states and arena. */
  get memoryUsed(): number {
    return this.x.memory_used();
  }
  /** The bytes of tensor `t` inside the core's memory (a live view). */
  tensor(t: number): Uint8Array {
    return new Uint8Array(this.x.memory.buffer, this.x.tensor_ptr(t), tensorBytes(this.model.tensors[t]!));
  }
  setInput(input: Uint8Array): void {
    this.tensor(this.model.inputs[0]!).set(input);
  }
  output(): Uint8Array {
    return this.tensor(this.model.outputs[0]!);
  }
  invoke(): void {
    const s = this.x.invoke();
    if (s !== 0) throw new ModelError("core", `invoke failed: ${STATUS[s] ?? s}`);
  }
  invokeOp(k: number): void {
    const s = this.x.invoke_op(k);
    if (s !== 0) throw new ModelError("core", `invoke_op(${k}) failed: ${STATUS[s] ?? s}`);
  }
}
