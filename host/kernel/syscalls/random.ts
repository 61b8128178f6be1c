import type { HostImports } from "../../engines/index.ts";
import type { AgentContext } from "../context.ts";

export function randomSyscalls(ctx: AgentContext): HostImports {
  return {
    random_fill: (ptr, len) => {
      ctx.randomFill(ctx.memory.bytes(ptr!, len!, "random_fill"));
    },
  };
}
