// `colony model compile` and `colony model run` through the CLI's entry point.
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { main } from "../../host/cli/main.ts";
import { FIXTURES, ROOT } from "./fixtures.ts";

let out = "";
let err = "";
beforeEach(() => {
  out = "";
  err = "";
  vi.spyOn(process.stdout, "write").mockImplementation((c: string | Uint8Array) => ((out += String(c)), true));
  vi.spyOn(process.stderr, "write").mockImplementation((c: string | Uint8Array) => ((err += String(c)), true));
});
afterEach(() => {
  vi.restoreAllMocks();
  process.exitCode = undefined;
});

const colony = (...args: string[]): Promise<number> => main(["node", "colony", ...args]);
const model = (n: string): string => join(ROOT, "models", `${n}.tflite`);

describe("colony model", () => {
  it("compile prints ops, parameter bytes, MACs and arena; --json and --out", async () => {
    expect(await colony("model", "compile", model("kws"))).toBe(0);
    expect(out).toMatch(/MACs\s+2,656,768/);
    expect(out).toMatch(/arena\s+16,000 B/);
    expect(out).toMatch(/params\s+24,368 B/);
    const dir = mkdtempSync(join(tmpdir(), "colony-model-"));
    out = "";
    expect(await colony("model", "compile", model("ad"), "--json", "--out", join(dir, "ad.cml"))).toBe(0);
    const s = JSON.parse(out) as { macs: number; arenaBytes: number; opCounts: Record<string, number> };
    expect(s).toMatchObject({ macs: 264192, opCounts: { FULLY_CONNECTED: 10 } });
    expect(readFileSync(join(dir, "ad.cml")).subarray(0, 4).toString()).toBe("CTML");
  });

  it("run prints the output tensor and writes raw int8 with --out, from .tflite or compiled", async () => {
    const dir = mkdtempSync(join(tmpdir(), "colony-model-"));
    const inputFile = join(FIXTURES, "inputs", "ic_black.bin");
    expect(await colony("model", "run", model("ic"), inputFile, "--out", join(dir, "o.bin"))).toBe(0);
    expect(out).toMatch(/output \[1,10\] int8: /);
    expect(readFileSync(join(dir, "o.bin"))).toEqual(readFileSync(join(FIXTURES, "golden", "ic_black.tflm.out.bin")));
    await colony("model", "compile", model("ic"), "--out", join(dir, "ic.cml"));
    out = "";
    expect(await colony("model", "run", join(dir, "ic.cml"), inputFile, "--json")).toBe(0);
    const r = JSON.parse(out) as { output: number[] };
    expect(Buffer.from(Int8Array.from(r.output).buffer)).toEqual(readFileSync(join(FIXTURES, "golden", "ic_black.tflm.out.bin")));
  });

  it("clear errors: wrong input length, corrupt model, model too large for the board", async () => {
    expect(await colony("model", "run", model("kws"), join(FIXTURES, "inputs", "ad_zeros.bin"))).toBe(1);
    expect(err).toMatch(/takes 490 input bytes, got 640/);
    const dir = mkdtempSync(join(tmpdir(), "colony-model-"));
    const { writeFileSync } = await import("node:fs");
    writeFileSync(join(dir, "cut.tflite"), readFileSync(model("kws")).subarray(0, 2000));
    err = "";
    expect(await colony("model", "compile", join(dir, "cut.tflite"))).toBe(1);
    expect(err).toMatch(/truncated or corrupt/);
    err = "";
    expect(await colony("model", "compile", model("vww"), "--board", "max78000")).toBe(1);
    expect(err).toMatch(/does not fit max78000 \(RAM 131072 B less 65536 B for agents\): model needs \d+ B of RAM \(arena 64512 B/);
  });
});
