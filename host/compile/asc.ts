// Compiles AssemblyScript through asc's API (no child process), capturing the
// binary in memory and the diagnostics as text.
import asc from "assemblyscript/asc";

export class CompileError extends Error {
  constructor(
    readonly file: string,
    readonly diagnostics: string,
  ) {
    super(`${file}: AssemblyScript compilation failed\n${diagnostics.trim()}`);
    this.name = "CompileError";
  }
}

/** The feature set all three engines accept: asc's defaults minus SIMD (never enabled) and threads. */
export const AGENT_FLAGS = ["--runtime", "minimal", "--noAssert", "-Oz", "--use", "abort="] as const;

/**
 * The flags for an agent with the given heap: "gc" is the `minimal` runtime
 * (TLSF and a collector the entry runs after each call), "arena" the `stub`
 * bump allocator that the SDK's arena resets after each event.
 */
export function agentFlags(heap: "gc" | "arena"): readonly string[] {
  return heap === "arena" ? ["--runtime", "stub", ...AGENT_FLAGS.slice(2)] : AGENT_FLAGS;
}

export async function compileAssemblyScript(entry: string, flags: readonly string[]): Promise<Uint8Array> {
  const outputs = new Map<string, Uint8Array | string>();
  let diagnostics = "";
  const sink = {
    write(chunk: string | Uint8Array) {
      diagnostics += typeof chunk === "string" ? chunk : new TextDecoder().decode(chunk);
      return true;
    },
  };
  const { error } = await asc.main([entry, "--outFile", "out.wasm", ...flags], {
    stdout: sink as never,
    stderr: sink as never,
    writeFile: (name: string, contents: Uint8Array | string) => {
      outputs.set(name, contents);
    },
  });
  const wasm = [...outputs.entries()].find(([name]) => name.endsWith(".wasm"))?.[1];
  if (error || !(wasm instanceof Uint8Array)) throw new CompileError(entry, diagnostics || String(error));
  return wasm;
}
