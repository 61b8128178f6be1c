// Reads the parts of a wasm module the kernel decides on (imports, exports,
// memory, globals, section layout) without instantiating it, so every engine
// gets the same checks and the same error messages.
import { ByteReader, WasmFormatError } from "./reader.ts";

export type ValType = "i32" | "i64" | "f32" | "f64" | "v128" | "funcref" | "externref";
export type ExternKind = "function" | "table" | "memory" | "global";

export interface FuncType {
  params: ValType[];
  results: ValType[];
}
export interface Limits {
  min: number;
  max?: number;
}
export interface WasmImport {
  module: string;
  name: string;
  kind: ExternKind;
  /** for functions: the type */
  type?: FuncType;
  memory?: Limits;
}
export interface WasmExport {
  name: string;
  kind: ExternKind;
  index: number;
}
export interface Section {
  id: number;
  /** offset of the section id byte */
  start: number;
  /** offset of the first content byte */
  contentStart: number;
  /** offset after the section */
  end: number;
  /** for custom sections */
  customName?: string;
}
export interface WasmModuleInfo {
  sections: Section[];
  types: FuncType[];
  imports: WasmImport[];
  exports: WasmExport[];
  /** type index of each defined function */
  functionTypes: number[];
  memory?: Limits;
  importedGlobals: number;
  definedGlobals: number;
  importedFunctions: number;
  codeBytes: number;
  dataBytes: number;
}

export const SectionId = {
  CUSTOM: 0,
  TYPE: 1,
  IMPORT: 2,
  FUNCTION: 3,
  TABLE: 4,
  MEMORY: 5,
  GLOBAL: 6,
  EXPORT: 7,
  START: 8,
  ELEMENT: 9,
  CODE: 10,
  DATA: 11,
  DATA_COUNT: 12,
} as const;

const VALTYPES: Record<number, ValType> = {
  0x7f: "i32",
  0x7e: "i64",
  0x7d: "f32",
  0x7c: "f64",
  0x7b: "v128",
  0x70: "funcref",
  0x6f: "externref",
};
const KINDS: ExternKind[] = ["function", "table", "memory", "global"];

function valtype(r: ByteReader): ValType {
  const at = r.pos;
  const t = VALTYPES[r.u8()];
  if (!t) throw new WasmFormatError("unknown value type", at);
  return t;
}

export function readLimits(r: ByteReader): Limits {
  const at = r.pos;
  const flags = r.u8();
  if (flags > 1) throw new WasmFormatError(`unsupported limits flags 0x${flags.toString(16)} (shared or 64-bit memory)`, at);
  const min = r.u32();
  return flags === 1 ? { min, max: r.u32() } : { min };
}

export function parseModule(bytes: Uint8Array): WasmModuleInfo {
  if (bytes.length < 8) throw new WasmFormatError(`not a wasm module: ${bytes.length} bytes is shorter than the 8-byte header`);
  if (bytes[0] !== 0x00 || bytes[1] !== 0x61 || bytes[2] !== 0x73 || bytes[3] !== 0x6d)
    throw new WasmFormatError("not a wasm module: bad magic (expected \\0asm)", 0);
  if (bytes[4] !== 1 || bytes[5] !== 0 || bytes[6] !== 0 || bytes[7] !== 0)
    throw new WasmFormatError("unsupported wasm binary version (expected 1)", 4);

  const info: WasmModuleInfo = {
    sections: [],
    types: [],
    imports: [],
    exports: [],
    functionTypes: [],
    importedGlobals: 0,
    definedGlobals: 0,
    importedFunctions: 0,
    codeBytes: 0,
    dataBytes: 0,
  };
  const r = new ByteReader(bytes, 8);
  let lastId = 0;
  while (!r.done) {
    const start = r.pos;
    const id = r.u8();
    const size = r.u32();
    const contentStart = r.pos;
    const end = contentStart + size;
    if (end > bytes.length)
      throw new WasmFormatError(`section ${id} claims ${size} bytes but the module ends ${end - bytes.length} bytes early (truncated?)`, start);
    if (id > SectionId.DATA_COUNT) throw new WasmFormatError(`unknown section id ${id}`, start);
    const section: Section = { id, start, contentStart, end };
    const s = new ByteReader(bytes, contentStart, end);
    if (id === SectionId.CUSTOM) section.customName = s.name();
    else {
      // DataCount (12) sits between Element and Code; every other known section keeps ascending order.
      const order = id === SectionId.DATA_COUNT ? 9.5 : id;
      if (order <= lastId) throw new WasmFormatError(`section ${id} out of order`, start);
      lastId = order;
    }
    readSection(id, s, info);
    if (id === SectionId.CODE) info.codeBytes = size;
    if (id === SectionId.DATA) info.dataBytes = size;
    info.sections.push(section);
    r.pos = end;
  }
  if (info.functionTypes.length > 0 && !info.sections.some((s) => s.id === SectionId.CODE))
    throw new WasmFormatError("module declares functions but has no code section");
  return info;
}

function readSection(id: number, s: ByteReader, info: WasmModuleInfo): void {
  switch (id) {
    case SectionId.TYPE: {
      const n = s.u32();
      for (let i = 0; i < n; i++) {
        const at = s.pos;
        if (s.u8() !== 0x60) throw new WasmFormatError("type entry is not a function type", at);
        const params = Array.from({ length: s.u32() }, () => valtype(s));
        const results = Array.from({ length: s.u32() }, () => valtype(s));
        info.types.push({ params, results });
      }
      return;
    }
    case SectionId.IMPORT: {
      const n = s.u32();
      for (let i = 0; i < n; i++) {
        const module = s.name();
        const name = s.name();
        const at = s.pos;
        const kind = KINDS[s.u8()];
        if (!kind) throw new WasmFormatError(`import ${module}.${name} has an unknown kind`, at);
        const imp: WasmImport = { module, name, kind };
        if (kind === "function") {
          const t = s.u32();
          imp.type = info.types[t];
          if (!imp.type) throw new WasmFormatError(`import ${module}.${name} uses undefined type ${t}`, at);
          info.importedFunctions++;
        } else if (kind === "table") {
          valtype(s);
          readLimits(s);
        } else if (kind === "memory") {
          imp.memory = readLimits(s);
        } else {
          valtype(s);
          s.u8();
          info.importedGlobals++;
        }
        info.imports.push(imp);
      }
      return;
    }
    case SectionId.FUNCTION: {
      const n = s.u32();
      for (let i = 0; i < n; i++) info.functionTypes.push(s.u32());
      return;
    }
    case SectionId.MEMORY: {
      const n = s.u32();
      if (n > 1) throw new WasmFormatError(`${n} memories: only one is supported`);
      if (n === 1) info.memory = readLimits(s);
      return;
    }
    case SectionId.GLOBAL:
      info.definedGlobals = s.u32();
      return;
    case SectionId.EXPORT: {
      const n = s.u32();
      for (let i = 0; i < n; i++) {
        const name = s.name();
        const at = s.pos;
        const kind = KINDS[s.u8()];
        if (!kind) throw new WasmFormatError(`export ${name} has an unknown kind`, at);
        info.exports.push({ name, kind, index: s.u32() });
      }
      return;
    }
    default:
      return;
  }
}

/** The function type of an exported function, or undefined. */
export function exportedFunctionType(info: WasmModuleInfo, name: string): FuncType | undefined {
  const e = info.exports.find((x) => x.name === name && x.kind === "function");
  if (!e) return undefined;
  const local = e.index - info.importedFunctions;
  if (local < 0) return info.imports.filter((i) => i.kind === "function")[e.index]?.type;
  const t = info.functionTypes[local];
  return t === undefined ? undefined : info.types[t];
}
