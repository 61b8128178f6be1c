import type { HostImports } from "../../engines/index.ts";
import type { AgentContext } from "../context.ts";

export function actuatorSyscalls(ctx: AgentContext): HostImports {
  return {
    actuator_open: (ptr, len) => ctx.openActuator(ctx.memory.string(ptr!, len!, "actuator_open")),
    actuator_write: (handle, ptr, len) => ctx.writeActuator(handle!, ctx.memory.copy(ptr!, len!, "actuator_write")),
  };
}
