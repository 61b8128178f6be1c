// The ABI is declared once (host/kernel/abi.ts); the AssemblyScript imports, the
// host's syscall tables and docs/abi.md must all agree with it.
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ABI_FUNCTIONS, CAPABILITY_GROUPS, wasm3Signature } from "../../host/kernel/abi.ts";
import { SYSCALLS } from "../../host/kernel/syscalls/index.ts";
import type { AgentContext } from "../../host/kernel/context.ts";
import { ROOT } from "./helpers.ts";

const AS_TYPE: Record<string, string> = { i32: "i32", u32: "i32", usize: "i32", f64: "f64", f32: "f32", i64: "i64" };

describe("ABI v1 declaration", () => {
  it("assembly/sdk/abi.ts declares exactly the table's imports with the same signatures", () => {
    const src = readFileSync(path.join(ROOT, "assembly/sdk/abi.ts"), "utf8");
    const decls = [...src.matchAll(/@external\("colony", "(\w+)"\) export declare function (\w+)\(([^)]*)\): (\w+);/g)];
    expect(decls.length).toBe(ABI_FUNCTIONS.length);
    for (const [, ext, fn, params, ret] of decls) {
      expect(fn).toBe(ext);
      const f = ABI_FUNCTIONS.find((x) => x.name === ext);
      expect(f, `${ext} is in the table`).toBeDefined();
      const ps = params!.trim() === "" ? [] : params!.split(",").map((p) => AS_TYPE[p.split(":")[1]!.trim()]);
      expect(ps, `${ext} params`).toEqual(f!.params);
      expect(ret === "void" ? [] : [AS_TYPE[ret!]], `${ext} result`).toEqual(f!.results);
    }
  });

  it("every group's syscall table implements exactly the table's functions of that group", () => {
    const ctx = new Proxy({}, { get: () => () => 0 }) as unknown as AgentContext;
    for (const g of CAPABILITY_GROUPS) {
      const names = Object.keys(SYSCALLS[g](ctx)).sort();
      expect(names, g).toEqual(ABI_FUNCTIONS.filter((f) => f.capability === g).map((f) => f.name).sort());
    }
  });

  it("docs/abi.md documents every function with its wasm3 signature", () => {
    const doc = readFileSync(path.join(ROOT, "docs/abi.md"), "utf8");
    for (const f of ABI_FUNCTIONS) {
      expect(doc, f.name).toContain(`\`${f.name}\``);
      expect(doc, `${f.name} signature`).toContain(`\`${wasm3Signature(f)}\``);
    }
  });
});
