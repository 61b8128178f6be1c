// Flash and RAM per part of a firmware, read from the linker's map (after
// --gc-sections): what the runtime, the engine, the port, the C library and
// each agent contribute. Flash = code + read-only data + .data's initial
// values; RAM = .data + .bss (linear-memory arenas included).
import { readFileSync } from "node:fs";
import path from "node:path";

export interface PartSize {
  flash: number;
  ram: number;
}

function kind(outputSection: string): "flash" | "both" | "ram" | undefined {
  if (/^\.(text|rodata|init|fini|ARM\.exidx|srodata|eh_frame|preinit_array|init_array|fini_array)/.test(outputSection)) return "flash";
  if (/^\.(data|sdata|tdata)/.test(outputSection)) return "both";
  if (/^\.(bss|sbss|tbss)/.test(outputSection)) return "ram";
  return undefined;
}

/** Sizes per part; `partOf` names the part of an object file (or archive member). */
export function sizesFromMap(mapText: string, partOf: (file: string) => string): Map<string, PartSize> {
  const parts = new Map<string, PartSize>();
  const lines = mapText.split("\n");
  const start = lines.findIndex((l) => l.startsWith("Linker script and memory map"));
  let out: string | undefined;
  let pendingName = false;
  for (const line of lines.slice(start + 1)) {
    const top = /^(\.[\w.]+)\s/.exec(line) ?? /^(\.[\w.]+)$/.exec(line);
    if (top) {
      out = top[1];
      continue;
    }
    if (/^ \.\S+$/.test(line)) {
      pendingName = true; // a long input-section name: its address and size follow on the next line
      continue;
    }
    const m = /^ (?:\.\S+)?\s+0x[0-9a-f]+\s+0x([0-9a-f]+)\s+(\S.*)$/.exec(line);
    if (!m || !out) {
      pendingName = false;
      continue;
    }
    if (!pendingName && !/^ \.\S+\s/.test(line)) continue;
    pendingName = false;
    const k = kind(out);
    if (!k) continue;
    const size = parseInt(m[1]!, 16);
    const part = partOf(m[2]!.trim());
    const p = parts.get(part) ?? { flash: 0, ram: 0 };
    if (k !== "ram") p.flash += size;
    if (k !== "flash") p.ram += size;
    parts.set(part, p);
  }
  return parts;
}

/** The parts of a Colony firmware: runtime, engine, port, libc, config, one per agent, the model core and one per model. */
export function firmwareSizes(mapFile: string, objectsFile: string, root: string): Map<string, PartSize> {
  const objects: { source: string; object: string }[] = JSON.parse(readFileSync(objectsFile, "utf8"));
  const bySource = new Map(objects.map((o) => [o.object, o.source]));
  const fw = path.join(root, "firmware");
  return sizesFromMap(readFileSync(mapFile, "utf8"), (file) => {
    const src = bySource.get(file);
    if (!src) return "libc"; // archive members and the toolchain's start files
    if (src.startsWith(path.join(fw, "runtime"))) return "runtime";
    if (src.startsWith(path.join(fw, "engines"))) return "engine";
    if (src.startsWith(path.join(fw, "crypto"))) return "crypto";
    if (src.startsWith(path.join(root, "boards"))) return "port";
    const base = path.basename(src, ".c");
    if (base === "colony_config") return "config";
    const agent = /^a_(.+?)(_glue)?$/.exec(base);
    if (agent) return `agent:${agent[1]}`;
    if (base === "model_core" || base === "model_glue") return "model core";
    const model = /^mdl_(.+)$/.exec(base);
    if (model) return `model:${model[1]}`;
    return "wasm3";
  });
}
