// Links an agent against the host ABI: every import must be an ABI function
// whose capability the manifest grants; anything else is refused by name.
import type { HostImports } from "../engines/index.ts";
import type { WasmModuleInfo } from "../wasm/index.ts";
import { ABI_BY_NAME, ABI_MODULE, type CapabilityGroup } from "./abi.ts";
import type { AgentContext } from "./context.ts";
import { LoadError } from "./errors.ts";
import { grantsGroup, type Manifest } from "./manifest.ts";
import { SYSCALLS } from "./syscalls/index.ts";

function sameTypes(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((t, i) => t === b[i]);
}

/** Throws LoadError for the first import the manifest does not allow; returns the groups used. */
export function checkImports(info: WasmModuleInfo, manifest: Manifest): Set<CapabilityGroup> {
  const used = new Set<CapabilityGroup>();
  for (const imp of info.imports) {
    const where = `import "${imp.module}.${imp.name}"`;
    if (imp.module !== ABI_MODULE) {
      const hint = imp.module === "env" && imp.name === "abort" ? " (build with `--use abort=`, as `colony build` does)" : "";
      throw new LoadError(manifest.name, `${where} is not part of the Colony ABI: only module "${ABI_MODULE}" is linked${hint}`);
    }
    if (imp.kind !== "function") throw new LoadError(manifest.name, `${where} is a ${imp.kind}; the ABI imports only functions`);
    const fn = ABI_BY_NAME.get(imp.name);
    if (!fn) throw new LoadError(manifest.name, `${where} is not a function of ABI v1`);
    if (!imp.type || !sameTypes(imp.type.params, fn.params) || !sameTypes(imp.type.results, fn.results))
      throw new LoadError(
        manifest.name,
        `${where} has signature (${imp.type?.params.join(", ")}) -> (${imp.type?.results.join(", ")}), ABI v1 says (${fn.params.join(", ")}) -> (${fn.results.join(", ")})`,
      );
    if (!grantsGroup(manifest, fn.capability))
      throw new LoadError(
        manifest.name,
        `${where} needs capability "${fn.capability}${fn.capability === "sensor" || fn.capability === "actuator" || fn.capability === "model" ? ":<name>" : ""}", which the manifest does not grant`,
      );
    used.add(fn.capability);
  }
  return used;
}

/** The host functions for the groups the module uses. */
export function linkImports(groups: Iterable<CapabilityGroup>, ctx: AgentContext): HostImports {
  const imports: HostImports = {};
  for (const g of groups) Object.assign(imports, SYSCALLS[g](ctx));
  return imports;
}
