// Which functions can call themselves, directly or through others. Only those
// need a fuel check on entry: a function outside every call cycle runs a
// bounded amount of code per call except in its loops, which are checked.
import { nextInstruction } from "./instructions.ts";
import { SectionId, type WasmModuleInfo } from "./module.ts";
import { ByteReader } from "./reader.ts";

const CALL = 0x10;
const CALL_INDIRECT = 0x11;
const RETURN_CALL = 0x12;
const RETURN_CALL_INDIRECT = 0x13;

/** Function indices (in the module's index space) placed in tables; undefined = could be any. */
function tableFunctions(wasm: Uint8Array, info: WasmModuleInfo): Set<number> | undefined {
  const sec = info.sections.find((s) => s.id === SectionId.ELEMENT);
  if (!sec) return new Set();
  const r = new ByteReader(wasm, sec.contentStart, sec.end);
  const out = new Set<number>();
  const n = r.u32();
  for (let i = 0; i < n; i++) {
    const flags = r.u32();
    // only the plain forms (active, function indices) are read; others make every function a target
    if (flags !== 0) return undefined;
    for (;;) if (nextInstruction(r) === 0x0b) break; // offset expression
    const count = r.u32();
    for (let k = 0; k < count; k++) out.add(r.u32());
  }
  return out;
}

/** Who calls whom, among defined functions (indices 0-based among defined ones). */
export interface CallGraph {
  /** the defined functions each one calls with `call` (imports left out) */
  direct: number[][];
  /** true for a function that uses `call_indirect` (or its tail form) */
  indirect: boolean[];
  /** the defined functions placed in a table: any of them may be called from the host or indirectly */
  inTable: boolean[];
  /** true for a function in a call cycle */
  recursive: boolean[];
}

/** For each defined function (0-based among defined ones): true if it is in a call cycle. */
export function recursiveFunctions(wasm: Uint8Array, info: WasmModuleInfo, bodies: Uint8Array[]): boolean[] {
  return callGraph(wasm, info, bodies).recursive;
}

export function callGraph(wasm: Uint8Array, info: WasmModuleInfo, bodies: Uint8Array[]): CallGraph {
  const imported = info.importedFunctions;
  const n = bodies.length;
  const indirect = tableFunctions(wasm, info);
  const anyIndirect = indirect === undefined ? Array.from({ length: n }, (_, i) => i) : [...indirect].filter((f) => f >= imported).map((f) => f - imported);
  const usesIndirect = new Array<boolean>(n).fill(false);
  const direct = new Array<number[]>(n);
  const edges: number[][] = bodies.map((body, fi) => {
    const r = new ByteReader(body);
    const groups = r.u32();
    for (let i = 0; i < groups; i++) {
      r.u32();
      r.u8();
    }
    const targets = new Set<number>();
    const called = new Set<number>();
    let depth = 0;
    while (!r.done) {
      const at = r.pos;
      const op = nextInstruction(r);
      if (op === CALL || op === RETURN_CALL) {
        const callee = new ByteReader(body, at + 1).u32() - imported;
        if (callee >= 0) {
          targets.add(callee);
          called.add(callee);
        }
      } else if (op === CALL_INDIRECT || op === RETURN_CALL_INDIRECT) {
        usesIndirect[fi] = true;
        for (const f of anyIndirect) targets.add(f);
      }
      else if (op === 0x02 || op === 0x03 || op === 0x04) depth++;
      else if (op === 0x0b && depth-- === 0) break;
    }
    direct[fi] = [...called];
    return [...targets];
  });
  // Tarjan's strongly connected components, iteratively
  const index = new Array<number>(n).fill(-1);
  const low = new Array<number>(n).fill(0);
  const onStack = new Array<boolean>(n).fill(false);
  const stack: number[] = [];
  const cyclic = new Array<boolean>(n).fill(false);
  let next = 0;
  for (let root = 0; root < n; root++) {
    if (index[root] !== -1) continue;
    const work: [number, number][] = [[root, 0]];
    while (work.length) {
      const frame = work[work.length - 1]!;
      const [v, ei] = frame;
      if (ei === 0) {
        index[v] = low[v] = next++;
        stack.push(v);
        onStack[v] = true;
      }
      if (ei < edges[v]!.length) {
        frame[1]++;
        const w = edges[v]![ei]!;
        if (index[w] === -1) work.push([w, 0]);
        else if (onStack[w]) low[v] = Math.min(low[v]!, index[w]!);
        continue;
      }
      work.pop();
      if (work.length) {
        const parent = work[work.length - 1]![0];
        low[parent] = Math.min(low[parent]!, low[v]!);
      }
      if (low[v] === index[v]) {
        const comp: number[] = [];
        let w: number;
        do {
          w = stack.pop()!;
          onStack[w] = false;
          comp.push(w);
        } while (w !== v);
        if (comp.length > 1 || edges[v]!.includes(v)) for (const c of comp) cyclic[c] = true;
      }
    }
  }
  const inTable = new Array<boolean>(n).fill(false);
  for (const f of anyIndirect) inTable[f] = true;
  return { direct, indirect: usesIndirect, inTable, recursive: cyclic };
}
