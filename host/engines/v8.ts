// Node's own WebAssembly (V8): the simulator's engine.
import { FUEL_GLOBAL } from "../kernel/abi.ts";
import { EngineTrap, HostTrap, type Engine, type EngineInstance, type EngineModule, type HostImports } from "./engine.ts";

class V8Module implements EngineModule {
  readonly engine = "v8";
  constructor(
    readonly module: WebAssembly.Module,
    readonly bytes: number,
  ) {}
}

class V8Instance implements EngineInstance {
  private readonly exports: WebAssembly.Exports;
  private readonly mem: WebAssembly.Memory | undefined;
  private readonly fuel: WebAssembly.Global | undefined;
  private view: Uint8Array;

  constructor(instance: WebAssembly.Instance) {
    this.exports = instance.exports;
    this.mem = this.exports.memory instanceof WebAssembly.Memory ? this.exports.memory : undefined;
    const fuel = this.exports[FUEL_GLOBAL];
    this.fuel = fuel instanceof WebAssembly.Global ? fuel : undefined;
    this.view = this.mem ? new Uint8Array(this.mem.buffer) : new Uint8Array(0);
  }

  call(name: string, ...args: number[]): number {
    const f = this.exports[name];
    if (typeof f !== "function") throw new EngineTrap(`no exported function "${name}"`);
    try {
      const r = (f as (...a: number[]) => unknown)(...args);
      return typeof r === "number" ? r : 0;
    } catch (e) {
      if (e instanceof HostTrap) throw new EngineTrap(e.message, e);
      if (e instanceof WebAssembly.RuntimeError) throw new EngineTrap(e.message, e);
      if (e instanceof RangeError && /call stack/i.test(e.message)) throw new EngineTrap("call stack exhausted", e);
      throw e;
    }
  }

  hasExport(name: string): boolean {
    return name in this.exports;
  }

  memory(): Uint8Array {
    if (this.mem && this.view.buffer !== this.mem.buffer) this.view = new Uint8Array(this.mem.buffer);
    return this.view;
  }

  getFuel(): number {
    return this.fuel ? (this.fuel.value as number) : 0;
  }

  setFuel(value: number): void {
    if (this.fuel) this.fuel.value = value | 0;
  }
}

export class V8Engine implements Engine {
  readonly name = "v8";

  compile(wasm: Uint8Array): EngineModule {
    return new V8Module(new WebAssembly.Module(wasm as Uint8Array<ArrayBuffer>), wasm.length);
  }

  instantiate(module: EngineModule, moduleName: string, imports: HostImports): EngineInstance {
    if (!(module instanceof V8Module)) throw new TypeError(`module was compiled by ${module.engine}, not v8`);
    try {
      return new V8Instance(new WebAssembly.Instance(module.module, { [moduleName]: imports }));
    } catch (e) {
      if (e instanceof WebAssembly.RuntimeError || e instanceof HostTrap) throw new EngineTrap(`trap while starting: ${(e as Error).message}`, e);
      throw e;
    }
  }
}
