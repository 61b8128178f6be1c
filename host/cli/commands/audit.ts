// colony audit verify <audit.jsonl> --key <hex | key file>: checks that no record of a site's
// audit log was edited, removed, reordered or forged. Exit 0 when intact, 2 when not.
import type { Command } from "commander";
import { verifyAudit } from "../../governance/index.ts";
import { publicKeyArg } from "./keys.ts";
import { CliError } from "../errors.ts";
import { printJson, readFileOrFail } from "../output.ts";

export function register(program: Command): void {
  const audit = program.command("audit").description("the site's tamper-evident audit log");
  audit
    .command("verify <file>")
    .description("check every record's hash, its link to the one before and its signature")
    .requiredOption("--key <key>", "the site's audit public key (64 hex digits, as the run's summary prints it, or a key file)")
    .option("--json", "print the verdict as JSON")
    .action((file: string, o: { key: string; json?: boolean }) => {
      const text = Buffer.from(readFileOrFail(file, "audit log")).toString("utf8");
      const v = verifyAudit(text, publicKeyArg(o.key));
      if (o.json) printJson({ file, ...v });
      else if (v.ok) process.stdout.write(`${file}: ${v.records} records, intact\n`);
      if (!v.ok) throw new CliError(`${file}:${v.line}: ${v.problem} (${v.records} records before it verify)`, 2);
    });
}
