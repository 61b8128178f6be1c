import type { HostImports } from "../../engines/index.ts";
import type { AgentContext } from "../context.ts";

export function modelSyscalls(ctx: AgentContext): HostImports {
  return {
    model_invoke: (namePtr, nameLen, inPtr, inLen, outPtr, outLen) => {
      const name = ctx.memory.string(namePtr!, nameLen!, "model_invoke name");
      const input = ctx.memory.copy(inPtr!, inLen!, "model_invoke input");
      const output = new Uint8Array(outLen!);
      ctx.memory.bytes(outPtr!, outLen!, "model_invoke output");
      const n = ctx.invokeModel(name, input, output);
      if (n > 0) ctx.memory.write(outPtr!, output.subarray(0, n), "model_invoke output");
      return n;
    },
  };
}
