// Recursive functions their callers pay for. A call in a call cycle needs a
// checked charge, or recursion could outrun the budget; charging on entry to
// the callee makes every call read, write and test the counter, leaves
// included (about half of the calls of a recursive function are leaves). A
// prepaid function (no loops, no indirect calls, no tail calls, not in a table,
// not the start function) charges nothing on entry: every `call` to it is
// preceded by a charge of its whole instruction count. Its own calls to
// prepaid functions are paid, with a check, at the start of the innermost
// block or if/else arm holding them, all the calls of an arm in one charge: a
// recursion's leaf, which takes the arm without calls, touches no counter.
// The host calls an exported one through a wrapper appended to the module
// (indices of existing functions do not move), which pays on its behalf.
import type { CallGraph } from "./callgraph.ts";
import { instructionCount } from "./caller-charged.ts";
import { nextInstruction, Op } from "./instructions.ts";
import { SectionId, type WasmModuleInfo } from "./module.ts";
import { ByteReader, ByteWriter } from "./reader.ts";

const CALL = 0x10;
const RETURN_CALL = 0x12;

/** The largest charge a caller pays for a call to a prepaid function (as for caller-charged ones). */
export const PREPAID_MAX = 1000;

function localsEnd(body: Uint8Array): number {
  const r = new ByteReader(body);
  const groups = r.u32();
  for (let i = 0; i < groups; i++) {
    r.u32();
    r.u8();
  }
  return r.pos;
}

/**
 * For each defined function: the fuel a caller pays for a call to it when it is
 * prepaid, or undefined. `callerCharged` is from callerChargedCosts.
 */
export function prepaidCosts(
  wasm: Uint8Array,
  info: WasmModuleInfo,
  bodies: Uint8Array[],
  graph: CallGraph,
  callerCharged: (number | undefined)[],
): (number | undefined)[] {
  const imported = info.importedFunctions;
  const startSec = info.sections.find((x) => x.id === SectionId.START);
  const start = startSec ? new ByteReader(wasm, startSec.contentStart, startSec.end).u32() - imported : -1;
  return bodies.map((body, f) => {
    if (!graph.recursive[f] || graph.indirect[f] || graph.inTable[f] || f === start) return undefined;
    let cost = instructionCount(body);
    const r = new ByteReader(body, localsEnd(body));
    while (!r.done) {
      const at = r.pos;
      const op = nextInstruction(r);
      if (op === Op.LOOP || op === RETURN_CALL) return undefined;
      if (op !== CALL) continue;
      const callee = new ByteReader(body, at + 1).u32() - imported;
      // what the callers' charge covers: this body and the caller-charged helpers it calls
      if (callee >= 0) cost += callerCharged[callee] ?? 0;
    }
    return cost <= PREPAID_MAX ? cost : undefined;
  });
}

/** global -= cost; trap when negative. */
function checkedCharge(globalIndex: number, cost: number): Uint8Array {
  return new ByteWriter()
    .u8(Op.GLOBAL_GET).u32(globalIndex).u8(Op.I32_CONST).s32(cost).u8(Op.I32_SUB).u8(Op.GLOBAL_SET).u32(globalIndex)
    .u8(Op.GLOBAL_GET).u32(globalIndex).u8(Op.I32_CONST).s32(0).u8(Op.I32_LT_S).u8(Op.IF).u8(0x40).u8(Op.UNREACHABLE).u8(Op.END)
    .finish();
}

/**
 * Rewrites a prepaid function's body: no charge on entry; before the calls to
 * prepaid functions, one checked charge per block or arm for the calls directly in it.
 */
export function meterPrepaid(body: Uint8Array, globalIndex: number, imported: number, prepaid: (number | undefined)[]): Uint8Array {
  const start = localsEnd(body);
  const r = new ByteReader(body, start);
  const done: { at: number; sum: number }[] = [];
  const open: { at: number; sum: number }[] = [{ at: start, sum: 0 }];
  while (open.length > 0) {
    const at = r.pos;
    const op = nextInstruction(r);
    if (op === Op.BLOCK || op === Op.IF) open.push({ at: r.pos, sum: 0 });
    else if (op === Op.ELSE) {
      done.push(open.pop()!);
      open.push({ at: r.pos, sum: 0 });
    } else if (op === Op.END) done.push(open.pop()!);
    else if (op === CALL) {
      const callee = new ByteReader(body, at + 1).u32() - imported;
      const cost = callee >= 0 ? prepaid[callee] : undefined;
      if (cost !== undefined) open[open.length - 1]!.sum += cost;
    }
  }
  const charges = done.filter((c) => c.sum > 0).sort((a, b) => a.at - b.at);
  const w = new ByteWriter();
  let from = 0;
  for (const c of charges) {
    w.bytes(body.subarray(from, c.at)).bytes(checkedCharge(globalIndex, c.sum));
    from = c.at;
  }
  return w.bytes(body.subarray(from)).finish();
}

/** The body of the wrapper the host calls instead of exported prepaid function `index`. */
export function prepaidWrapper(globalIndex: number, index: number, params: number, cost: number): Uint8Array {
  const w = new ByteWriter().u32(0).bytes(checkedCharge(globalIndex, cost));
  for (let i = 0; i < params; i++) w.u8(0x20).u32(i);
  return w.u8(CALL).u32(index).u8(Op.END).finish();
}
