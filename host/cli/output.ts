// Small helpers every command shares: JSON or text output, reading files with errors that name them.
import { readFileSync } from "node:fs";
import { jsonBodies } from "../sim/index.ts";
import { CliError } from "./errors.ts";

/** JSON on stdout; byte strings (message bodies, keys) as {"hex": "..."}. */
export function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value, jsonBodies, 2) + "\n");
}

export function readFileOrFail(file: string, what = "file"): Uint8Array {
  try {
    return new Uint8Array(readFileSync(file));
  } catch (e) {
    throw new CliError(`${file}: cannot read ${what}: ${readFailure(e as NodeJS.ErrnoException)}`);
  }
}

/** Why a file could not be read, as a person would say it. */
export function readFailure(e: NodeJS.ErrnoException): string {
  const reasons: Record<string, string> = {
    ENOENT: "no such file",
    EISDIR: "it is a directory",
    EACCES: "permission denied",
    EPERM: "permission denied",
    ENOTDIR: "a part of the path is not a directory",
    ELOOP: "too many symbolic links",
    EMFILE: "too many open files",
  };
  return (e.code && reasons[e.code]) ?? e.message;
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
