import type { HostImports } from "../../engines/index.ts";
import { AbiError } from "../abi.ts";
import type { AgentContext } from "../context.ts";

const MAX_FIELD = 64;

export function walletSyscalls(ctx: AgentContext): HostImports {
  // text fields are bounded like the ledger's (64 characters): a longer one is the agent's mistake
  const text = (ptr: number, len: number, what: string): string | undefined =>
    len > MAX_FIELD * 4 ? undefined : ctx.memory.string(ptr, len, what);
  return {
    wallet_id: (bPtr, bLen) => {
      const id = ctx.walletId();
      if (id === undefined) return AbiError.NOT_FOUND;
      const b = new TextEncoder().encode(id);
      ctx.memory.write(bPtr!, b.subarray(0, Math.min(b.length, bLen!)), "wallet_id buffer");
      return b.length;
    },
    wallet_tx: (kind, toPtr, toLen, amount, refPtr, refLen, arbPtr, arbLen) => {
      const to = text(toPtr!, toLen!, "wallet_tx to");
      const ref = text(refPtr!, refLen!, "wallet_tx ref");
      const arbiter = text(arbPtr!, arbLen!, "wallet_tx arbiter");
      if (to === undefined || ref === undefined || arbiter === undefined) return AbiError.INVALID;
      return ctx.walletTx(kind!, to, amount!, ref, arbiter);
    },
    wallet_status: (handle) => ctx.walletStatus(handle!),
    wallet_balance: (aPtr, aLen) => {
      const account = text(aPtr!, aLen!, "wallet_balance account");
      return account === undefined ? NaN : ctx.walletBalance(account);
    },
  };
}
