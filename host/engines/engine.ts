// The one interface every WebAssembly engine sits behind. It is synchronous
// because the kernel dispatches inside a discrete-event loop, and it deals only
// in numbers and linear memory, which is what wasm3's C API and wasm2c's
// generated code offer too.

/** A host function as the engine calls it: i32/f32/f64 in, one number or nothing out. */
export type HostFunction = (...args: number[]) => number | void;

/** Host functions of the import module, by field name. */
export type HostImports = Record<string, HostFunction>;

export interface EngineModule {
  readonly engine: string;
  readonly bytes: number;
}

export interface EngineInstance {
  /** Calls an exported function. Throws EngineTrap when the module traps. */
  call(name: string, ...args: number[]): number;
  hasExport(name: string): boolean;
  /** The current linear memory (a new view after it grows). */
  memory(): Uint8Array;
  /** The injected fuel counter. */
  getFuel(): number;
  setFuel(value: number): void;
}

export interface Engine {
  readonly name: string;
  compile(wasm: Uint8Array): EngineModule;
  /** Instantiates with the host functions of import module `moduleName`. */
  instantiate(module: EngineModule, moduleName: string, imports: HostImports): EngineInstance;
}

/** The module trapped (unreachable, out-of-bounds access, stack overflow, ...). */
export class EngineTrap extends Error {
  constructor(
    message: string,
    readonly cause?: unknown,
  ) {
    super(message);
    this.name = "EngineTrap";
  }
}

/** A host function refused to go on: the call is aborted as a trap of the agent. */
export class HostTrap extends Error {
  constructor(message: string) {
    super(message);
    this.name = "HostTrap";
  }
}
