// The --report directory: checked before a run (a long simulation should not end in
// "cannot write"), then filled with report.html, summary.json and trace.json.
import { accessSync, constants, existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { htmlReport } from "../sim/html.ts";
import { detailed, summaryJson, writeTrace, type Scenario, type SimResult } from "../sim/index.ts";
import { CliError } from "./errors.ts";

export function checkReportDir(dir: string): void {
  try {
    makeDirs(path.resolve(dir));
    accessSync(dir, constants.W_OK);
    const probe = path.join(dir, `.colony-write-check-${process.pid}`);
    writeFileSync(probe, "");
    rmSync(probe);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw new CliError(`--report ${dir}: cannot write there: ${reason(err)}`);
  }
}

// One level at a time: Node's recursive mkdir spins forever under /proc (it keeps
// retrying a parent that reports ENOENT), so it is not used.
function makeDirs(dir: string): void {
  if (existsSync(dir)) return;
  const parent = path.dirname(dir);
  if (parent !== dir) makeDirs(parent);
  mkdirSync(dir);
}

/** Writes the three files; returns a short note on what trace.json holds. */
export function writeReport(dir: string, sc: Scenario, r: SimResult, detail: boolean): string {
  const all = detailed(r, detail);
  const summary = summaryJson(r, detail);
  const t = writeTrace(path.join(dir, "trace.json"), r.trace, { all, quiet: sc.quiet });
  writeFileSync(path.join(dir, "summary.json"), JSON.stringify({ ...summary, traceFile: t }, null, all ? 2 : 0) + "\n");
  writeFileSync(path.join(dir, "report.html"), htmlReport(sc, r, { detail }));
  const left = t.leftOut.quietTopics + t.leftOut.overLimit;
  return left === 0 ? `${t.written} events` : `${t.written} of ${t.events} events; quiet topics and events past ${t.written} are counted in summary.json, --detail writes every one`;
}

function reason(e: NodeJS.ErrnoException): string {
  switch (e.code) {
    case "EACCES":
    case "EPERM":
      return "permission denied";
    case "ENOTDIR":
    case "EEXIST":
      return "a file is in the way (not a directory)";
    case "EROFS":
      return "read-only file system";
    case "ENOSPC":
      return "no space left on the device";
    default:
      return e.code === "ENOENT" ? "no such directory can be made there" : (e.code ?? e.message);
  }
}
