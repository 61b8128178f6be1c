import type { HostImports } from "../../engines/index.ts";
import { AbiError } from "../abi.ts";
import type { AgentContext } from "../context.ts";

export function stateSyscalls(ctx: AgentContext): HostImports {
  return {
    state_get: (kPtr, kLen, bPtr, bLen) => {
      const v = ctx.stateGet(ctx.memory.string(kPtr!, kLen!, "state_get key"));
      if (v === undefined) return AbiError.NOT_FOUND;
      ctx.memory.write(bPtr!, v.subarray(0, Math.min(v.length, bLen!)), "state_get buffer");
      return v.length;
    },
    state_set: (kPtr, kLen, vPtr, vLen) =>
      ctx.stateSet(ctx.memory.string(kPtr!, kLen!, "state_set key"), ctx.memory.copy(vPtr!, vLen!, "state_set value")),
    state_delete: (kPtr, kLen) => ctx.stateDelete(ctx.memory.string(kPtr!, kLen!, "state_delete key")),
  };
}
