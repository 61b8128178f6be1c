// The economy in words: balances, contracts, invoices and what a confirmed outcome cost.
import type { EconomyResult } from "./economy.ts";
import { formatMs } from "./duration.ts";

const SHOWN = 12;

export function economyLines(e: EconomyResult): string[] {
  const lines = [`economy: ${e.height} ledger entries; ${e.paid} paid for ${e.outcomes} verified outcome(s), ${e.refunded} refunded, ${e.bondsKept} in bonds kept; subscription billed ${e.billed}${e.costPerOutcome !== undefined ? `; cost per confirmed outcome ${e.costPerOutcome}` : ""}`];
  const moved = e.accounts.filter((a) => e.closing[a] !== (e.opening[a] ?? 0));
  lines.push(`balances (opening -> closing): ${(moved.length ? moved : e.accounts).slice(0, SHOWN).map((a) => `${a} ${e.opening[a] ?? 0} -> ${e.closing[a]}`).join(", ")}${moved.length > SHOWN ? `, … ${moved.length} changed` : ""}`);
  for (const c of e.contracts.filter((c) => !c.bond).slice(0, SHOWN)) {
    const bond = e.contracts.find((b) => b.bond && b.escrow.startsWith(`${c.escrow}/`));
    lines.push(`  contract ${c.escrow}: ${c.from} -> ${c.to} ${c.amount}, ${c.state}${c.settledMs !== undefined ? ` at ${formatMs(c.settledMs)}` : ""}${bond ? `; bond ${bond.amount} ${bond.state === "released" ? "kept by the manager" : bond.state === "refunded" ? "returned" : "locked"}` : ""}`);
  }
  for (const i of e.invoices) lines.push(`  invoice ${i.ref}: ${i.item}, ${i.quantity} ${i.unit}(s): ${i.amount}, ${i.status}`);
  const refused = Object.entries(e.refusals);
  if (refused.length) lines.push(`  wallet transactions refused: ${refused.map(([k, v]) => `${v} ${k}`).join(", ")}`);
  if (e.replicated) lines.push(`  replicated ledger on ${e.replicated.nodes.join(", ")}${e.replicated.leader ? ` (leader ${e.replicated.leader})` : ""}: ${e.replicated.settled} answers, settlement p50 ${e.replicated.p50Ms} ms, p99 ${e.replicated.p99Ms} ms`);
  if (e.journal) lines.push(`  ledger journal ${e.journal}; list it with: colony ledger ${e.journal}`);
  return lines;
}
