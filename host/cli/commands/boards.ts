// colony boards: the board profiles the kernel knows.
import type { Command } from "commander";
import { BoardError, boardNames, loadBoard } from "../../kernel/index.ts";
import { printJson, reportErrors } from "../output.ts";

export function register(program: Command): void {
  program
    .command("boards")
    .description("list board profiles (boards/*.json), or show one")
    .argument("[name]", "a board to show in full")
    .option("--json", "print as JSON")
    .action(async (name: string | undefined, o: { json?: boolean }) => {
      if (name) {
        const b = await reportErrors(() => loadBoard(name), [BoardError]);
        if (o.json) printJson(b);
        else process.stdout.write(JSON.stringify(b, null, 2) + "\n");
        return;
      }
      const boards = await reportErrors(() => boardNames().map((n) => loadBoard(n)), [BoardError]);
      if (o.json) return printJson(boards);
      process.stdout.write(`${"name".padEnd(16)}${"soc".padEnd(44)}${"MHz".padStart(5)}${"RAM KiB".padStart(9)}${"agents KiB".padStart(12)}  compute, radios\n`);
      for (const b of boards)
        process.stdout.write(
          `${b.name.padEnd(16)}${b.soc.slice(0, 43).padEnd(44)}${String(b.clockMHz).padStart(5)}${String(b.ramBytes / 1024).padStart(9)}${String(b.agentMemoryBytes / 1024).padStart(12)}  ${b.compute.map((c) => `${c.kind}:${c.isa}`).join(" ")}; ${b.radios.join(" ")}\n`,
        );
    });
}
