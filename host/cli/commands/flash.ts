// `colony flash --board esp32-devkitc --port /dev/ttyUSB0 [--app x.bin] [--modules dir]`:
// firmware, partition table and agent modules onto an ESP32, MD5-verified, then reset.
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import type { Command } from "commander";
import { CliError } from "../errors.ts";
import { parseWholeNumber } from "../options.ts";
import {
  flashEsp32,
  parsePartitionCsv,
  planFlash,
  readFlashTarget,
  resolvePartitions,
  type FlashProgress,
  type ModuleEntry,
  type PartitionSpec,
} from "../../firmware/esp32/index.ts";
import { readBundle } from "../../ota/index.ts";

function readModules(dir: string): ModuleEntry[] {
  if (!existsSync(dir)) throw new CliError(`--modules ${dir}: no such directory`);
  const files = readdirSync(dir).filter((f) => f.endsWith(".cab")).sort();
  if (files.length === 0) throw new CliError(`--modules ${dir}: no .cab bundles (make them with colony bundle)`);
  return files.map((f) => {
    const bytes = new Uint8Array(readFileSync(join(dir, f)));
    try {
      return { name: readBundle(bytes).manifest.name, bytes };
    } catch (e) {
      throw new CliError(`${join(dir, f)}: ${(e as Error).message}`);
    }
  });
}

function readPartitions(file: string): PartitionSpec[] {
  const text = readFileSync(file, "utf8");
  if (file.endsWith(".json")) {
    const v = JSON.parse(text) as unknown;
    if (!Array.isArray(v)) throw new CliError(`${file}: expected a JSON list of partitions`);
    return v as PartitionSpec[];
  }
  return parsePartitionCsv(text, file);
}

/** A bar redrawn in place on a TTY; one line per image otherwise. */
function progressBar(): (p: FlashProgress) => void {
  const tty = process.stdout.isTTY === true;
  let lastImage = -1;
  return (p) => {
    const pct = p.total ? Math.floor((100 * p.written) / p.total) : 100;
    if (tty) {
      const n = Math.round(pct / 4);
      process.stdout.write(`\r[${"#".repeat(n)}${"-".repeat(25 - n)}] ${String(pct).padStart(3)}%  ${p.index + 1}/${p.count} ${p.image}\x1b[K`);
      if (p.written === p.total) process.stdout.write("\n");
    } else if (p.written === p.total && p.index !== lastImage) {
      lastImage = p.index;
      process.stdout.write(`wrote ${p.index + 1}/${p.count} ${p.image}\n`);
    }
  };
}

export function register(program: Command): void {
  program
    .command("flash")
    .description("write firmware, partition table and agent modules to an ESP32 board")
    .requiredOption("--board <name>", "board profile (boards/<name>.json)")
    .requiredOption("--port <device>", "serial port, e.g. /dev/ttyUSB0")
    .option("--app <bin>", "application image (checked: header, checksum, SHA-256)")
    .option("--bootloader <bin>", "second-stage bootloader image")
    .option("--modules <dir>", "directory of signed agent bundles (.cab) for the agents partition")
    .option("--partitions <file>", "partition table (ESP-IDF CSV or JSON list); default: Colony's layout")
    .option("--baud <rate>", "baud rate once the flasher stub runs", "460800")
    .option("-v, --verbose", "print esptool's log")
    .action(async (o: { board: string; port: string; app?: string; bootloader?: string; modules?: string; partitions?: string; baud: string; verbose?: boolean }) => {
      let images;
      try {
        const target = readFlashTarget(o.board);
        images = planFlash({
          chip: target.chip,
          flashBytes: target.flashBytes,
          partitions: o.partitions ? resolvePartitions(readPartitions(o.partitions)) : undefined,
          app: o.app ? new Uint8Array(readFileSync(o.app)) : undefined,
          bootloader: o.bootloader ? new Uint8Array(readFileSync(o.bootloader)) : undefined,
          modules: o.modules ? readModules(o.modules) : undefined,
        });
      } catch (e) {
        throw e instanceof CliError ? e : new CliError((e as Error).message);
      }
      for (const i of images) process.stdout.write(`  0x${i.address.toString(16).padStart(6, "0")}  ${String(i.data.length).padStart(8)} B  ${i.name}\n`);
      const baud = parseWholeNumber(o.baud, "--baud", 1);
      let r;
      try {
        r = await flashEsp32({ port: o.port, images, baudrate: baud, onProgress: progressBar(), log: o.verbose ? (l) => process.stderr.write(l + "\n") : undefined });
      } catch (e) {
        throw new CliError(`flashing ${o.port}: ${(e as Error).message}`);
      }
      process.stdout.write(`${r.chip}: ${r.bytes} bytes in ${r.seconds.toFixed(2)} s, MD5 verified, board reset\n`);
    });
}
