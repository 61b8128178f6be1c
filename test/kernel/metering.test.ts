// Fuel metering: same results as the unmetered module, fuel bounds the work,
// a budget stops a runaway call, and the rewritten module stays valid.
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { compileAssemblyScript } from "../../host/compile/index.ts";
import { injectMetering, parseModule } from "../../host/wasm/index.ts";
import { START_FUEL } from "../../host/wasm/metering.ts";
import { ROOT } from "./helpers.ts";

let raw: Uint8Array;
let metered: Uint8Array;
type Exports = { work(n: number): number; fib(n: number): number; sort(n: number): number; colony_fuel?: WebAssembly.Global };

beforeAll(async () => {
  raw = await compileAssemblyScript(path.relative(process.cwd(), path.join(ROOT, "test/kernel/wasm/cpu.ts")), ["--runtime", "stub", "--noAssert", "-O3", "--use", "abort="]);
  metered = injectMetering(raw).wasm;
}, 60_000);

const instantiate = (bytes: Uint8Array) => new WebAssembly.Instance(new WebAssembly.Module(bytes as Uint8Array<ArrayBuffer>)).exports as unknown as Exports;

describe("fuel metering", () => {
  it("keeps results identical", () => {
    const a = instantiate(raw);
    const b = instantiate(metered);
    b.colony_fuel!.value = 2 ** 31 - 1;
    for (const n of [0, 1, 10, 1000]) expect(b.work(n)).toBe(a.work(n));
    expect(b.fib(15)).toBe(a.fib(15));
    expect(b.sort(300)).toBe(a.sort(300));
  });

  it("starts with the start-function budget and exports the counter", () => {
    const info = parseModule(metered);
    expect(info.exports.find((e) => e.name === "colony_fuel")?.kind).toBe("global");
    // the module's start function has already spent a little of it
    const left = instantiate(metered).colony_fuel!.value as number;
    expect(left).toBeLessThanOrEqual(START_FUEL);
    expect(left).toBeGreaterThan(START_FUEL - 100);
  });

  it("charges loop iterations and calls: fuel grows with the work", () => {
    const m = instantiate(metered);
    const used = (f: () => void) => {
      m.colony_fuel!.value = 2 ** 31 - 1;
      f();
      return 2 ** 31 - 1 - (m.colony_fuel!.value as number);
    };
    const f100 = used(() => m.work(100));
    const f1000 = used(() => m.work(1000));
    expect(f100).toBeGreaterThan(100);
    // linear in n, up to the fixed entry cost
    expect(f1000 - f100).toBeGreaterThan(8 * f100 * 0.9);
    expect(used(() => m.fib(12))).toBeGreaterThan(used(() => m.fib(8)) * 5);
  });

  it("pays for every call of a recursive function, leaves included, the same fuel per call", () => {
    const m = instantiate(metered);
    const used = (n: number) => {
      m.colony_fuel!.value = 2 ** 31 - 1;
      m.fib(n);
      return 2 ** 31 - 1 - (m.colony_fuel!.value as number);
    };
    // calls of fib(n): 1 + calls(n - 1) + calls(n - 2); half of them are leaves, which charge nothing themselves
    const calls = (n: number): number => (n < 2 ? 1 : 1 + calls(n - 1) + calls(n - 2));
    const perCall = used(10) / calls(10);
    expect(Number.isInteger(perCall)).toBe(true);
    // a leaf runs at least local.get, i32.const, i32.lt_s, if, local.get, end
    expect(perCall).toBeGreaterThanOrEqual(6);
    for (const n of [2, 15, 20]) expect(used(n)).toBe(perCall * calls(n));
  });

  it("stops a deep recursion when the budget runs out", () => {
    const m = instantiate(metered);
    m.colony_fuel!.value = 5000;
    expect(() => m.fib(40)).toThrowError(WebAssembly.RuntimeError);
    expect(m.colony_fuel!.value as number).toBeLessThan(0);
  });

  it("traps with the counter below zero when the budget runs out", () => {
    const m = instantiate(metered);
    m.colony_fuel!.value = 1000;
    expect(() => m.work(1_000_000)).toThrowError(WebAssembly.RuntimeError);
    expect(m.colony_fuel!.value as number).toBeLessThan(0);
  });

  it("refuses SIMD and malformed bodies with the offset", () => {
    // (func (result v128) v128.const ...) as a minimal module: type, func, code with 0xfd
    const simd = new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 1, 5, 1, 0x60, 0, 1, 0x7b, 3, 2, 1, 0, 10, 22, 1, 20, 0, 0xfd, 0x0c, ...new Array(16).fill(0), 0x0b]);
    expect(() => injectMetering(simd)).toThrowError(/SIMD instructions are not supported/);
    const broken = metered.slice(0, metered.length - 40);
    expect(() => injectMetering(broken)).toThrowError(/truncated|unexpected end|claims/);
  });
});
