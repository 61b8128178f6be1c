// colony audit verify <audit.jsonl> --key <hex | key file>: checks that no record of a site's
// audit log was edited, removed, reordered or forged. Exit 0 when intact, 2 when not.
import { existsSync, readFileSync } from "node:fs";
import type { Command } from "commander";
import { verifyAudit } from "../../governance/index.ts";
import { parseKeyFile } from "../../ota/index.ts";
import { CliError } from "../errors.ts";
import { printJson, readFileOrFail } from "../output.ts";

function publicKey(arg: string): Uint8Array {
  if (/^[0-9a-fA-F]{64}$/.test(arg)) return Uint8Array.from(Buffer.from(arg, "hex"));
  if (!existsSync(arg)) throw new CliError(`--key ${arg}: neither 64 hex digits nor a key file`);
  return parseKeyFile(readFileSync(arg, "utf8"), arg).publicKey;
}

export function register(program: Command): void {
  const audit = program.command("audit").description("the site's tamper-evident audit log");
  audit
    .command("verify <file>")
    .description("check every record's hash, its link to the one before and its signature")
    .requiredOption("--key <key>", "the site's audit public key (64 hex digits, as the run's summary prints it, or a key file)")
    .option("--json", "print the verdict as JSON")
    .action((file: string, o: { key: string; json?: boolean }) => {
      const text = Buffer.from(readFileOrFail(file, "audit log")).toString("utf8");
      const v = verifyAudit(text, publicKey(o.key));
      if (o.json) printJson({ file, ...v });
      else if (v.ok) process.stdout.write(`${file}: ${v.records} records, intact\n`);
      if (!v.ok) throw new CliError(`${file}:${v.line}: ${v.problem} (${v.records} records before it verify)`, 2);
    });
}
