// Fuel metering injected into a module at build time, so V8, wasm3 and native
// code stop a runaway agent at the same point. Each function entry and each loop
// header subtracts the static instruction count of the code it dominates (code
// outside loops runs at most once per call; code in a loop body at most once per
// iteration), so fuel is an upper bound on the instructions executed. When the
// counter goes negative the module executes `unreachable`; the host tells fuel
// exhaustion from other traps by reading the counter.
import { FUEL_GLOBAL } from "../kernel/abi.ts";
import { callerChargedCosts } from "./caller-charged.ts";
import { callGraph } from "./callgraph.ts";
import { meterPrepaid, prepaidCosts, prepaidWrapper } from "./prepaid.ts";
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

const LOCAL_GET = 0x20;
const LOCAL_SET = 0x21;
const LOCAL_TEE = 0x22;
const CALL = 0x10;
const CALL_INDIRECT = 0x11;
const RETURN_CALL = 0x12;
const RETURN_CALL_INDIRECT = 0x13;
const RETURN = 0x0f;
const BR = 0x0c;
const BR_IF = 0x0d;
const BR_TABLE = 0x0e;

/**
 * Code snippets. In a function with loops the counter lives in a local while
 * the function runs (a register, for a JIT) and is written back to the global
 * before anything that leaves the function: calls, returns, branches out,
 * traps. A function without loops charges the global directly, once, and so
 * pays nothing around its calls.
 */
class Snippets {
  constructor(
    private readonly global: number,
    /** the working copy's local, or undefined to charge the global directly */
    private readonly local: number | undefined,
  ) {}

  private flushTo(w: ByteWriter): ByteWriter {
    if (this.local === undefined) return w;
    return w.u8(LOCAL_GET).u32(this.local).u8(Op.GLOBAL_SET).u32(this.global);
  }

  /** counter -= cost; trap when negative, with the global up to date. */
  charge(cost: number, entry: boolean, check: boolean): Uint8Array {
    const w = new ByteWriter();
    if (this.local === undefined) {
      w.u8(Op.GLOBAL_GET).u32(this.global).u8(Op.I32_CONST).s32(cost).u8(Op.I32_SUB).u8(Op.GLOBAL_SET).u32(this.global);
      if (check) w.u8(Op.GLOBAL_GET).u32(this.global).u8(Op.I32_CONST).s32(0).u8(Op.I32_LT_S).u8(Op.IF).u8(0x40).u8(Op.UNREACHABLE).u8(Op.END);
      return w.finish();
    }
    if (entry) w.u8(Op.GLOBAL_GET).u32(this.global);
    else w.u8(LOCAL_GET).u32(this.local);
    w.u8(Op.I32_CONST).s32(cost).u8(Op.I32_SUB);
    if (!check) return w.u8(LOCAL_SET).u32(this.local).finish();
    w.u8(LOCAL_TEE).u32(this.local);
    w.u8(Op.I32_CONST).s32(0).u8(Op.I32_LT_S).u8(Op.IF).u8(0x40);
    this.flushTo(w).u8(Op.UNREACHABLE).u8(Op.END);
    return w.finish();
  }

  flush(): Uint8Array | undefined {
    return this.local === undefined ? undefined : this.flushTo(new ByteWriter()).finish();
  }

  reload(): Uint8Array | undefined {
    return this.local === undefined ? undefined : new ByteWriter().u8(Op.GLOBAL_GET).u32(this.global).u8(LOCAL_SET).u32(this.local).finish();
  }
}

interface Insertion {
  at: number;
  /** an arm's charge goes before any other insertion at the same place */
  first?: boolean;
  /** charges are filled in after the scan, when the segment's cost is known */
  segment?: number;
  bytes?: Uint8Array | undefined;
}

function containsLoop(body: Uint8Array, from: number): boolean {
  const r = new ByteReader(body, from);
  while (!r.done) if (nextInstruction(r) === Op.LOOP) return true;
  return false;
}

/** Rewrites one function body (locals + expression) with fuel charges. */
/**
 * `callCost` gives, for a callee's function index, the fuel the caller charges
 * for a call to it (imports and caller-charged functions: caller-charged.ts;
 * prepaid ones: prepaid.ts) and whether the callee touches the counter (then
 * the caller's working copy is written back around the call), or undefined
 * when the callee charges itself.
 */
function meterBody(
  body: Uint8Array,
  globalIndex: number,
  paramCount: number,
  recursive: boolean,
  callCost: (index: number) => { cost: number; touches: boolean } | undefined,
): { out: Uint8Array; loops: number } {
  const r = new ByteReader(body);
  const localGroups = r.u32();
  let locals = 0;
  for (let i = 0; i < localGroups; i++) {
    locals += r.u32();
    r.u8();
  }
  const localsEnd = r.pos;
  const hasLoops = containsLoop(body, localsEnd);
  const snip = new Snippets(globalIndex, hasLoops ? paramCount + locals : undefined);
  const costs: number[] = [0];
  const ins: Insertion[] = [{ at: localsEnd, segment: 0 }];
  // For each open block: the segment that was current when it opened.
  const open: number[] = [];
  // Parallel to `open`: an if/else arm collects the bounds of the callees charged
  // by their callers that it calls, charged (unchecked) when the arm starts, so a
  // branch not taken costs nothing; a block is transparent; a loop is a new segment.
  const arms: ({ at: number; sum: number } | "block" | "loop")[] = [];
  let current = 0;
  const closeArm = () => {
    const a = arms.pop();
    if (typeof a === "object" && a.sum > 0) ins.push({ at: a.at, first: true, bytes: snip.charge(a.sum, false, false) });
  };
  let loops = 0;
  for (;;) {
    if (r.done) throw new WasmFormatError("function body ends without `end`", r.pos);
    const at = r.pos;
    const opcode = body[at]!;
    let op: number;
    // branches out of the function (to the body's own label) must write the counter back first
    if (opcode === BR || opcode === BR_IF) {
      r.u8();
      const depth = r.u32();
      if (depth === open.length) ins.push({ at, bytes: snip.flush() });
      op = opcode;
    } else if (opcode === BR_TABLE) {
      r.u8();
      const n = r.u32();
      let out = false;
      for (let i = 0; i <= n; i++) if (r.u32() === open.length) out = true;
      if (out) ins.push({ at, bytes: snip.flush() });
      op = opcode;
    } else op = nextInstruction(r);
    costs[current]!++;
    if (op === Op.BLOCK || op === Op.IF) {
      open.push(current);
      arms.push(op === Op.IF ? { at: r.pos, sum: 0 } : "block");
    } else if (op === Op.ELSE) {
      closeArm();
      arms.push({ at: r.pos, sum: 0 });
    } else if (op === Op.LOOP) {
      open.push(current);
      arms.push("loop");
      costs.push(0);
      current = costs.length - 1;
      ins.push({ at: r.pos, segment: current });
      loops++;
    } else if (op === Op.END) {
      const outer = open.pop();
      closeArm();
      if (outer === undefined) {
        ins.push({ at, bytes: snip.flush() }); // the function's own end
        break;
      }
      current = outer;
    } else if (op === CALL && callCost(new ByteReader(body, at + 1).u32()) !== undefined) {
      // the callee's bound joins the charge of the innermost arm, or of the segment
      const c = callCost(new ByteReader(body, at + 1).u32())!;
      let arm: { at: number; sum: number } | undefined;
      for (let k = arms.length - 1; k >= 0 && arm === undefined; k--) {
        const a = arms[k]!;
        if (a === "loop") break;
        if (a !== "block") arm = a;
      }
      if (arm) arm.sum += c.cost;
      else costs[current]! += c.cost;
      if (c.touches) ins.push({ at, bytes: snip.flush() }, { at: r.pos, bytes: snip.reload() });
    } else if (op === CALL || op === CALL_INDIRECT) {
      ins.push({ at, bytes: snip.flush() }, { at: r.pos, bytes: snip.reload() });
    } else if (op === RETURN || op === RETURN_CALL || op === RETURN_CALL_INDIRECT || op === Op.UNREACHABLE) {
      ins.push({ at, bytes: snip.flush() });
    }
  }
  if (!r.done) throw new WasmFormatError("bytes after the function's final `end`", r.pos);

  const w = new ByteWriter();
  let from = 0;
  if (hasLoops) {
    // one more i32 local: the counter's working copy
    w.u32(localGroups + 1).bytes(body.subarray(lebLength(body), localsEnd)).u32(1).u8(0x7f);
    from = localsEnd;
  }
  ins.sort((a, b) => a.at - b.at || (a.first ? 0 : 1) - (b.first ? 0 : 1));
  for (const i of ins) {
    w.bytes(body.subarray(from, i.at));
    // the entry needs a check only if the function can recurse; its loops always do
    w.bytes(i.segment === undefined ? (i.bytes ?? new Uint8Array(0)) : snip.charge(costs[i.segment!]!, i.segment === 0, i.segment !== 0 || recursive));
    from = i.at;
  }
  w.bytes(body.subarray(from));
  return { out: w.finish(), loops };
}

/** Bytes taken by the LEB128 at the start of `b`. */
function lebLength(b: Uint8Array): number {
  let n = 0;
  while (b[n]! & 0x80) n++;
  return n + 1;
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

  // the analysis of calls comes first: prepaid exports get wrappers, which change the function and export sections
  const codeSec = info.sections.find((x) => x.id === SectionId.CODE);
  const bodies: { at: number; bytes: Uint8Array }[] = [];
  if (codeSec) {
    const r = new ByteReader(wasm, codeSec.contentStart, codeSec.end);
    const n = r.u32();
    for (let i = 0; i < n; i++) {
      const size = r.u32();
      bodies.push({ at: r.pos, bytes: r.take(size) });
    }
  }
  const raw = bodies.map((b) => b.bytes);
  const graph = callGraph(wasm, info, raw);
  const callerCharged = callerChargedCosts(wasm, info, raw, graph);
  const prepaid = prepaidCosts(wasm, info, raw, graph, callerCharged);
  const imported = info.importedFunctions;
  const callCost = (f: number) => {
    if (f < imported) return { cost: 0, touches: false };
    const c = callerCharged[f - imported];
    if (c !== undefined) return { cost: c, touches: false };
    const p = prepaid[f - imported];
    return p === undefined ? undefined : { cost: p, touches: true };
  };
  // the host enters an exported prepaid function through a wrapper that pays for it
  const wrappers: { of: number; type: number }[] = [];
  const wrapperOf = new Map<number, number>();
  const exportIndex = (e: { kind: string; index: number }) => {
    if (e.kind !== "function" || e.index < imported || prepaid[e.index - imported] === undefined) return e.index;
    let w = wrapperOf.get(e.index);
    if (w === undefined) {
      w = imported + bodies.length + wrappers.length;
      wrapperOf.set(e.index, w);
      wrappers.push({ of: e.index, type: info.functionTypes[e.index - imported]! });
    }
    return w;
  };
  const exports = info.exports.map((e) => ({ ...e, index: exportIndex(e) }));
  const KIND_BYTE = { function: 0, table: 1, memory: 2, global: 3 } as const;

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
      const w = new ByteWriter().u32(exports.length + 1);
      for (const e of exports) w.name(e.name).u8(KIND_BYTE[e.kind]).u32(e.index);
      out.bytes(section(SectionId.EXPORT, w.name(FUEL_GLOBAL).u8(3).u32(globalIndex).finish()));
    } else if (s.id === SectionId.FUNCTION && wrappers.length > 0) {
      const r = new ByteReader(content);
      const n = r.u32();
      const w = new ByteWriter().u32(n + wrappers.length).bytes(content.subarray(r.pos));
      for (const x of wrappers) w.u32(x.type);
      out.bytes(section(SectionId.FUNCTION, w.finish()));
    } else if (s.id === SectionId.CODE) {
      const n = bodies.length;
      const w = new ByteWriter().u32(n + wrappers.length);
      for (let i = 0; i < n; i++) {
        const at = bodies[i]!.at;
        if (callerCharged[i] !== undefined) {
          w.u32(bodies[i]!.bytes.length).bytes(bodies[i]!.bytes);
          continue;
        }
        if (prepaid[i] !== undefined) {
          const b = meterPrepaid(bodies[i]!.bytes, globalIndex, imported, prepaid);
          w.u32(b.length).bytes(b);
          continue;
        }
        let metered;
        try {
          const type = info.types[info.functionTypes[i]!];
          if (!type) throw new WasmFormatError(`function ${info.importedFunctions + i} has no type`);
          metered = meterBody(bodies[i]!.bytes, globalIndex, type.params.length, graph.recursive[i]!, callCost);
        } catch (e) {
          if (e instanceof WasmFormatError) throw new WasmFormatError(`function ${info.importedFunctions + i}: ${e.message}`, at);
          throw e;
        }
        loops += metered.loops;
        w.u32(metered.out.length).bytes(metered.out);
      }
      for (const x of wrappers) {
        const b = prepaidWrapper(globalIndex, x.of, info.types[x.type]!.params.length, prepaid[x.of - imported]!);
        w.u32(b.length).bytes(b);
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
