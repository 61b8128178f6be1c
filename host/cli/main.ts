// Entry of the `colony` command: one commander program, one file per command.
import { Command, CommanderError } from "commander";
import { COMMANDS } from "./commands/index.ts";
import { CliError } from "./errors.ts";

export async function main(argv: string[]): Promise<number> {
  const program = new Command("colony")
    .description("Colony: an operating system for collaborating agents on microcontrollers")
    .version("0.1.0")
    .exitOverride()
    .showHelpAfterError();
  for (const register of COMMANDS) register(program);
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === "number" ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode;
    if (err instanceof CliError) {
      process.stderr.write(`colony: ${err.message}\n`);
      return err.exitCode;
    }
    const e = err as Error;
    process.stderr.write(`colony: ${e.message ?? String(err)}\n`);
    return 1;
  }
}
