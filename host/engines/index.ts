export type { Engine, EngineInstance, EngineModule, HostFunction, HostImports } from "./engine.ts";
export { EngineTrap, HostTrap } from "./engine.ts";
export { V8Engine } from "./v8.ts";

import type { Engine } from "./engine.ts";
import { V8Engine } from "./v8.ts";

/** Engines available in this process, by name. */
export function engineByName(name: string): Engine {
  if (name === "v8") return new V8Engine();
  throw new Error(`unknown engine "${name}" (available here: v8; wasm3 and native run in the firmware)`);
}
