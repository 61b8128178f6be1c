// Parsers for numbers and durations given on the command line. A flag's value is
// checked before anything runs: "--seed abc" or "--duration 10" (no unit) is an
// error that names the flag and says what it wants, as the scenario YAML does.
import { parseDuration } from "../sim/index.ts";
import { CliError } from "./errors.ts";

/** A whole number in [min, max], written in decimal. */
export function parseWholeNumber(v: string, flag: string, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  const n = /^\s*-?\d+\s*$/.test(v) ? Number(v) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max)
    throw new CliError(`${flag} "${v}": expected a whole number${max === Number.MAX_SAFE_INTEGER ? ` >= ${min}` : ` from ${min} to ${max}`}`);
  return n;
}

/** A duration with its unit (250ms, 10s, 2m, 1h), in milliseconds: a bare number is refused, since "10" could mean ms or s. */
export function parseDurationFlag(v: string, flag: string): number {
  if (/^\s*\d+(?:\.\d+)?\s*$/.test(v)) throw new CliError(`${flag} "${v}": give a unit, e.g. ${v.trim()}s, ${v.trim()}ms or ${v.trim()}m`);
  try {
    return parseDuration(v, flag);
  } catch (e) {
    throw new CliError((e as Error).message);
  }
}

/** commander argument parsers built on the two above. */
export const wholeNumber =
  (flag: string, min = 0, max = Number.MAX_SAFE_INTEGER) =>
  (v: string): number =>
    parseWholeNumber(v, flag, min, max);
export const duration =
  (flag: string) =>
  (v: string): number =>
    parseDurationFlag(v, flag);
