// Functions their callers pay for. A function without loops, indirect calls or
// a call cycle runs a bounded number of instructions per call: its own count
// plus what its callees run. When only `call` instructions can reach it (it is
// not exported, not in a table, not the start function), the metering pass
// adds that bound to the caller's charge and leaves the function untouched:
// no charge of its own, and no write-back of the caller's counter around the
// call, since it never touches the counter. Small helpers (field setters,
// allocator steps) are most of a module's functions, so this removes most of
// the bytes metering adds and the cost of every call to them.
import type { CallGraph } from "./callgraph.ts";
import { nextInstruction, Op } from "./instructions.ts";
import { SectionId, type WasmModuleInfo } from "./module.ts";
import { ByteReader } from "./reader.ts";

/**
 * The largest bound charged for one call. A caller charges its callees' bounds
 * with the rest of its code, before knowing which branch runs, so a big bound
 * in a branch not taken would cost the agent fuel for nothing; above this a
 * function charges itself.
 */
export const CALLER_CHARGED_MAX = 200;

/** Instructions in a function body (after its locals), counted as metering counts them. */
export function instructionCount(body: Uint8Array): number {
  const r = new ByteReader(body);
  const groups = r.u32();
  for (let i = 0; i < groups; i++) {
    r.u32();
    r.u8();
  }
  let n = 0;
  while (!r.done) {
    nextInstruction(r);
    n++;
  }
  return n;
}

function startFunction(wasm: Uint8Array, info: WasmModuleInfo): number | undefined {
  const s = info.sections.find((x) => x.id === SectionId.START);
  return s ? new ByteReader(wasm, s.contentStart, s.end).u32() : undefined;
}

function hasLoop(body: Uint8Array): boolean {
  const r = new ByteReader(body);
  const groups = r.u32();
  for (let i = 0; i < groups; i++) {
    r.u32();
    r.u8();
  }
  while (!r.done) if (nextInstruction(r) === Op.LOOP) return true;
  return false;
}

/**
 * For each defined function (0-based among defined ones): the fuel its callers
 * charge for a call to it, or undefined when it charges itself.
 */
export function callerChargedCosts(wasm: Uint8Array, info: WasmModuleInfo, bodies: Uint8Array[], graph: CallGraph): (number | undefined)[] {
  const imported = info.importedFunctions;
  const n = bodies.length;
  const reachable = new Array<boolean>(n).fill(false);
  for (const e of info.exports) if (e.kind === "function" && e.index >= imported) reachable[e.index - imported] = true;
  const start = startFunction(wasm, info);
  if (start !== undefined && start >= imported) reachable[start - imported] = true;
  const cost = new Array<number | undefined>(n).fill(undefined);
  const done = new Array<boolean>(n).fill(false);
  // callees before callers; there are no cycles among candidates (recursive ones are excluded first)
  const visit = (root: number): void => {
    const work: [number, number][] = [[root, 0]];
    while (work.length) {
      const frame = work[work.length - 1]!;
      const [f, i] = frame;
      const callees = graph.direct[f]!;
      if (i < callees.length) {
        frame[1]++;
        const c = callees[i]!;
        if (!done[c] && !graph.recursive[c]) work.push([c, 0]);
        continue;
      }
      work.pop();
      done[f] = true;
      if (reachable[f] || graph.inTable[f] || graph.indirect[f] || graph.recursive[f] || hasLoop(bodies[f]!)) continue;
      let total = instructionCount(bodies[f]!);
      // a call instruction per call site is in the count; each site adds its callee's bound
      const r = new ByteReader(bodies[f]!);
      const groups = r.u32();
      for (let g = 0; g < groups; g++) {
        r.u32();
        r.u8();
      }
      while (!r.done && total <= CALLER_CHARGED_MAX) {
        const at = r.pos;
        const op = nextInstruction(r);
        // a tail call leaves no frame to charge from: such a function charges itself
        if (op === 0x12) total = Infinity;
        if (op !== 0x10) continue;
        const callee = new ByteReader(bodies[f]!, at + 1).u32();
        if (callee < imported) continue;
        const c = cost[callee - imported];
        total = c === undefined ? Infinity : total + c;
      }
      if (total <= CALLER_CHARGED_MAX) cost[f] = total;
    }
  };
  for (let f = 0; f < n; f++) if (!done[f]) visit(f);
  return cost;
}
