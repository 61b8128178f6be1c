// Fuel metering injected into a module at build time, so V8, wasm3 and native
// code stop a runaway agent at the same point. Each function entry and each loop
// header subtracts the static instruction count of the code it dominates (code
// outside loops runs at most once per call; code in a loop body at most once per
// iteration), so fuel is an upper bound on the instructions executed. When the
// counter goes negative the module executes `unreachable`; the host tells fuel
// exhaustion from other traps by reading the counter.
import { FUEL_GLOBAL } from "../kernel/abi.ts";
import { Op, nextInstruction } from "./instructions.ts";
import { parseModule, SectionId, type WasmModuleInfo } from "./module.ts";
import { ByteReader, ByteWriter, WasmFormatError } from "./reader.ts";

/** Fuel the module's start function runs on, before the host can set a budget. */
export const START_FUEL = 1_000_000;

export interface MeteringReport {
  functions: number;
  loops: number;
  bytesBefore: number;
  bytesAfter: number;
}

/** True when the module already exports the fuel counter. */
export function isMetered(info: WasmModuleInfo): boolean {
  return info.exports.some((e) => e.name === FUEL_GLOBAL && e.kind === "global");
}

function chargeCode(globalIndex: number, cost: number): Uint8Array {
  return new ByteWriter()
    .u8(Op.GLOBAL_GET).u32(globalIndex)
    .u8(Op.I32_CONST).s32(cost)
    .u8(Op.I32_SUB)
    .u8(Op.GLOBAL_SET).u32(globalIndex)
    .u8(Op.GLOBAL_GET).u32(globalIndex)
    .u8(Op.I32_CONST).s32(0)
    .u8(Op.I32_LT_S)
    .u8(Op.IF).u8(0x40)
    .u8(Op.UNREACHABLE)
    .u8(Op.END)
    .finish();
}

interface Segment {
  /** insertion offset in the body */
  at: number;
  cost: number;
}

/** Rewrites one function body (locals + expression) with fuel charges. */
function meterBody(body: Uint8Array, globalIndex: number): { out: Uint8Array; loops: number } {
  const r = new ByteReader(body);
  const localGroups = r.u32();
  for (let i = 0; i < localGroups; i++) {
    r.u32();
    r.u8();
  }
  const segments: Segment[] = [{ at: r.pos, cost: 0 }];
  // For each open block: the segment index that was current when it opened, and whether it is a loop.
  const open: { outer: number; loop: boolean }[] = [];
  let current = 0;
  let loops = 0;
  for (;;) {
    if (r.done) throw new WasmFormatError("function body ends without `end`", r.pos);
    const op = nextInstruction(r);
    segments[current]!.cost++;
    if (op === Op.BLOCK || op === Op.IF) open.push({ outer: current, loop: false });
    else if (op === Op.LOOP) {
      open.push({ outer: current, loop: true });
      segments.push({ at: r.pos, cost: 0 });
      current = segments.length - 1;
      loops++;
    } else if (op === Op.END) {
      const block = open.pop();
      if (!block) break; // the function's own end
      current = block.outer;
    }
  }
  if (!r.done) throw new WasmFormatError("bytes after the function's final `end`", r.pos);
  const w = new ByteWriter();
  let from = 0;
  for (const seg of segments) {
    w.bytes(body.subarray(from, seg.at));
    w.bytes(chargeCode(globalIndex, seg.cost));
    from = seg.at;
  }
  w.bytes(body.subarray(from));
  return { out: w.finish(), loops };
}

function section(id: number, content: Uint8Array): Uint8Array {
  return new ByteWriter().u8(id).u32(content.length).bytes(content).finish();
}

/** Returns a copy of `wasm` with fuel metering; the counter is an exported mutable i32 global. */
export function injectMetering(wasm: Uint8Array): { wasm: Uint8Array; report: MeteringReport } {
  const info = parseModule(wasm);
  if (isMetered(info)) throw new WasmFormatError(`module already exports ${FUEL_GLOBAL}: it is metered`);
  const globalIndex = info.importedGlobals + info.definedGlobals;
  let loops = 0;
  const out = new ByteWriter().bytes(wasm.subarray(0, 8));
  const has = (id: number) => info.sections.some((s) => s.id === id);
  const newGlobal = () => new ByteWriter().u8(0x7f).u8(1).u8(Op.I32_CONST).s32(START_FUEL).u8(Op.END).finish();

  for (const s of info.sections) {
    const content = wasm.subarray(s.contentStart, s.end);
    // A module without a global or export section gets one at its place in the order.
    if (!has(SectionId.GLOBAL) && s.id > SectionId.GLOBAL && s.id !== SectionId.CUSTOM && s.id !== SectionId.DATA_COUNT) {
      out.bytes(section(SectionId.GLOBAL, new ByteWriter().u32(1).bytes(newGlobal()).finish()));
      info.sections.push({ id: SectionId.GLOBAL, start: 0, contentStart: 0, end: 0 });
    }
    if (!has(SectionId.EXPORT) && s.id > SectionId.EXPORT && s.id !== SectionId.CUSTOM && s.id !== SectionId.DATA_COUNT) {
      out.bytes(section(SectionId.EXPORT, new ByteWriter().u32(1).name(FUEL_GLOBAL).u8(3).u32(globalIndex).finish()));
      info.sections.push({ id: SectionId.EXPORT, start: 0, contentStart: 0, end: 0 });
    }
    if (s.id === SectionId.GLOBAL) {
      const r = new ByteReader(content);
      const n = r.u32();
      out.bytes(section(SectionId.GLOBAL, new ByteWriter().u32(n + 1).bytes(content.subarray(r.pos)).bytes(newGlobal()).finish()));
    } else if (s.id === SectionId.EXPORT) {
      const r = new ByteReader(content);
      const n = r.u32();
      out.bytes(section(SectionId.EXPORT, new ByteWriter().u32(n + 1).bytes(content.subarray(r.pos)).name(FUEL_GLOBAL).u8(3).u32(globalIndex).finish()));
    } else if (s.id === SectionId.CODE) {
      const r = new ByteReader(content);
      const n = r.u32();
      const w = new ByteWriter().u32(n);
      for (let i = 0; i < n; i++) {
        const size = r.u32();
        const at = s.contentStart + r.pos;
        let metered;
        try {
          metered = meterBody(r.take(size), globalIndex);
        } catch (e) {
          if (e instanceof WasmFormatError) throw new WasmFormatError(`function ${info.importedFunctions + i}: ${e.message}`, at);
          throw e;
        }
        loops += metered.loops;
        w.u32(metered.out.length).bytes(metered.out);
      }
      out.bytes(section(SectionId.CODE, w.finish()));
    } else {
      out.bytes(wasm.subarray(s.start, s.end));
    }
  }
  const result = out.finish();
  return {
    wasm: result,
    report: { functions: info.functionTypes.length, loops, bytesBefore: wasm.length, bytesAfter: result.length },
  };
}
