// Entry of the `colony` command: one commander program, one file per command.
import { Command, CommanderError } from "commander";
import { COMMANDS } from "./commands/index.ts";
import { CliError } from "./errors.ts";

export async function main(argv: string[]): Promise<number> {
  // With --json an error is JSON too (on stdout, like the result it replaces), so a
  // script reading the output never has to parse a sentence.
  const json = argv.includes("--json");
  const program = new Command("colony")
    .description("Colony: an operating system for collaborating agents on microcontrollers")
    .version("0.1.0")
    .exitOverride()
    .showHelpAfterError(!json);
  if (json) program.configureOutput({ writeErr: () => undefined, outputError: () => undefined });
  for (const register of COMMANDS) register(program);
  const fail = (message: string, exitCode: number): number => {
    if (json) process.stdout.write(JSON.stringify({ error: { message, exitCode } }, null, 2) + "\n");
    else process.stderr.write(`colony: ${message}\n`);
    return exitCode;
  };
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === "number" ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (json && err.exitCode !== 0) return fail(err.message.replace(/^error: /, ""), err.exitCode);
      return err.exitCode;
    }
    if (err instanceof CliError) return fail(err.message, err.exitCode);
    const e = err as Error;
    return fail(e.message ?? String(err), 1);
  }
}
