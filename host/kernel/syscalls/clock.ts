import type { HostImports } from "../../engines/index.ts";
import type { AgentContext } from "../context.ts";

export function clockSyscalls(ctx: AgentContext): HostImports {
  return {
    clock_now: () => ctx.now(),
    clock_timer_set: (id, period, repeat) => ctx.setTimer(id!, period!, repeat !== 0),
    clock_timer_cancel: (id) => ctx.cancelTimer(id!),
  };
}
