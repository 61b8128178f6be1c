// Caps a module's own memory at load: the manifest's page budget becomes the
// memory's maximum, so `memory.grow` past the quota fails inside the agent
// (AssemblyScript then aborts) instead of taking host memory.
import { parseModule, readLimits, SectionId } from "./module.ts";
import { ByteReader, ByteWriter, WasmFormatError } from "./reader.ts";

export function capMemory(wasm: Uint8Array, maxPages: number): Uint8Array {
  const info = parseModule(wasm);
  const sec = info.sections.find((s) => s.id === SectionId.MEMORY);
  if (!sec || !info.memory) return wasm;
  if (info.memory.min > maxPages)
    throw new WasmFormatError(`module needs ${info.memory.min} memory pages at start, budget is ${maxPages}`);
  const max = Math.min(maxPages, info.memory.max ?? maxPages);
  const r = new ByteReader(wasm, sec.contentStart, sec.end);
  r.u32();
  readLimits(r);
  const content = new ByteWriter().u32(1).u8(1).u32(info.memory.min).u32(max).finish();
  const w = new ByteWriter().bytes(wasm.subarray(0, sec.start)).u8(SectionId.MEMORY).u32(content.length).bytes(content);
  return w.bytes(wasm.subarray(sec.end)).finish();
}
