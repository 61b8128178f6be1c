import type { HostImports } from "../../engines/index.ts";
import type { AgentContext } from "../context.ts";

/** Longest log line kept; the rest is cut so a runaway agent cannot flood the host. */
const MAX_LINE = 1024;

export function logSyscalls(ctx: AgentContext): HostImports {
  return {
    log_write: (level, ptr, len) => {
      ctx.log(Math.max(0, Math.min(3, level!)), ctx.memory.string(ptr!, Math.min(len!, MAX_LINE), "log_write"));
    },
  };
}
