// Small helpers every command shares: JSON or text output, reading files with errors that name them.
import { readFileSync } from "node:fs";
import { CliError } from "./errors.ts";

export function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value, null, 2) + "\n");
}

export function readFileOrFail(file: string, what = "file"): Uint8Array {
  try {
    return new Uint8Array(readFileSync(file));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new CliError(`${file}: cannot read ${what}${code === "ENOENT" ? ": no such file" : code ? ` (${code})` : ""}`);
  }
}

/** Runs `fn`, turning the named error classes into one-line CLI errors. */
export async function reportErrors<T>(fn: () => Promise<T> | T, known: (new (...a: never[]) => Error)[]): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (known.some((k) => e instanceof k)) throw new CliError((e as Error).message);
    throw e;
  }
}
