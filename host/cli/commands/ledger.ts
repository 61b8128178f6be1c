// colony ledger <ledger.journal> [--keys ledger-keys.json] [--json]: a site ledger's balances,
// contracts and invoices, replayed from its journal with every signature and rule checked.
// Exit 2 when an entry does not check (what is before it is still shown).
import { existsSync } from "node:fs";
import path from "node:path";
import type { Command } from "commander";
import { readLedger } from "../../economy/index.ts";
import { KeyRing } from "../../net/keys.ts";
import { CliError } from "../errors.ts";
import { printJson, readFileOrFail } from "../output.ts";

interface KeysFile {
  site: string;
  treasury: string;
  creditLimit: number;
  keys: Record<string, string>;
}

function readKeys(file: string): KeysFile {
  let v: unknown;
  try {
    v = JSON.parse(Buffer.from(readFileOrFail(file, "ledger keys file")).toString("utf8"));
  } catch (e) {
    if (e instanceof CliError) throw e;
    throw new CliError(`${file}: not JSON (${(e as Error).message})`);
  }
  const k = v as Partial<KeysFile>;
  if (typeof k !== "object" || k === null || typeof k.treasury !== "string" || typeof k.keys !== "object" || k.keys === null || !Object.values(k.keys).every((x) => typeof x === "string" && /^[0-9a-f]{64}$/.test(x)))
    throw new CliError(`${file}: expected { site, treasury, creditLimit, keys: { <account>: <64 hex digits> } }`);
  return { site: k.site ?? "", treasury: k.treasury, creditLimit: typeof k.creditLimit === "number" ? k.creditLimit : 0, keys: k.keys };
}

export function register(program: Command): void {
  program
    .command("ledger <journal>")
    .description("a site ledger's balances, contracts and invoices (the journal colony sim --report writes)")
    .option("--keys <file>", "the accounts' public keys (default: ledger-keys.json beside the journal)")
    .option("--json", "print it as JSON")
    .action((file: string, o: { keys?: string; json?: boolean }) => {
      const keysFile = o.keys ?? path.join(path.dirname(file), "ledger-keys.json");
      if (!o.keys && !existsSync(keysFile)) throw new CliError(`${file}: no ${keysFile} beside it; name the accounts' public keys with --keys <file>`);
      const k = readKeys(keysFile);
      const ring = new KeyRing();
      for (const [id, hex] of Object.entries(k.keys)) ring.add(id, Buffer.from(hex, "hex"));
      const v = readLedger(readFileOrFail(file, "ledger journal"), { treasury: k.treasury, creditLimit: k.creditLimit }, ring);
      if (o.json) printJson({ file, ...v });
      else {
        const out: string[] = [`${file}: ${v.height} entries, ${v.minted} minted${k.site ? ` (site ${k.site})` : ""}`, "", "balances:"];
        for (const b of v.balances) out.push(`  ${b.account.padEnd(24)} ${String(b.balance).padStart(10)}`);
        out.push("", "contracts:");
        for (const c of v.contracts) out.push(`  ${c.escrow}${c.bond ? " (bond)" : ""}: ${c.from} -> ${c.to} ${c.amount}, ${c.state} (arbiter ${c.arbiter})`);
        if (!v.contracts.length) out.push("  none");
        out.push("", "invoices:");
        for (const i of v.invoices) out.push(`  ${i.ref}: ${i.from} -> ${i.to} ${i.amount} (entry ${i.height})`);
        if (!v.invoices.length) out.push("  none");
        process.stdout.write(out.join("\n") + "\n");
      }
      if (v.problem) throw new CliError(`${file}: ${v.problem} (${v.height} entries before it check)`, 2);
    });
}
