import type { HostImports } from "../../engines/index.ts";
import type { AgentContext } from "../context.ts";

export function busSyscalls(ctx: AgentContext): HostImports {
  return {
    bus_publish: (tPtr, tLen, bPtr, bLen, qos) =>
      ctx.publish(ctx.memory.string(tPtr!, tLen!, "bus_publish topic"), ctx.memory.copy(bPtr!, bLen!, "bus_publish body"), qos!),
    bus_subscribe: (ptr, len) => ctx.subscribe(ctx.memory.string(ptr!, len!, "bus_subscribe")),
  };
}
