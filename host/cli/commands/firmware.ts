// colony firmware build|run: the C firmware for a QEMU-runnable board, its
// agents native through wasm2c (or interpreted by wasm3), booted under QEMU
// with its link UART bridged to the MQTT-SN gateway.
import type { Command } from "commander";
import path from "node:path";
import { existsSync } from "node:fs";
import { CliError } from "../errors.ts";
import { parseWholeNumber } from "../options.ts";
import { printJson, reportErrors } from "../output.ts";
import { AgentSourceError, CompileError } from "../../compile/index.ts";
import { BoardError, LoadError, ManifestError } from "../../kernel/index.ts";
import { PolicyError } from "../../governance/index.ts";
import { buildFirmware, DEFAULT_EVENTS, FirmwareBuildError, runQemu, SerialBridge, TARGETS, type FirmwareEngine } from "../../firmware/index.ts";

const int = (v: string, what: string, min: number): number => parseWholeNumber(v, what, min);

function hostPort(v: string): { host: string; port: number } {
  const m = /^(.+):(\d+)$/.exec(v);
  if (!m) throw new CliError(`--gateway "${v}": expected <host>:<udp port>, e.g. 127.0.0.1:1884`);
  return { host: m[1]!, port: int(m[2]!, "--gateway port", 1) };
}

const list = (v: string) => v.split(",").map((s) => s.trim()).filter(Boolean);

export function register(program: Command): void {
  const fw = program.command("firmware").description("build the C firmware for a board and boot it under QEMU");
  fw.command("build")
    .description("compile agents (wasm2c or wasm3), the C runtime and the board port into <out>/<board>.elf")
    .requiredOption("--board <name>", "mps2-an386 (Cortex-M4, QEMU), esp32-c3 (its rv32imc core on QEMU virt), esp32-devkitc / esp32-s3 (sources for ESP-IDF)")
    .requiredOption("--agents <names>", "shipped agents, comma-separated")
    .option("--events <n>", `exit 0 after n events; 0 runs until stopped (default ${DEFAULT_EVENTS}, or 0 with --link)`)
    .option("--out <dir>", "output directory", "build/firmware")
    .option("--engine <engine>", "native (wasm2c) or wasm3 (needs WASM3_DIR)", "native")
    .option("--link", "join the fleet over the link UART (MQTT-SN, real-time clock)")
    .option("--device <id>", "device id (MQTT-SN client id)")
    .option("--site <site>", "site of the topics colony/<site>/...", "lab")
    .option("--seed <n>", "the simulation's seed: the device's key (and every simulated device's) derives from it as in `colony sim` (default 1)")
    .option("--key <file>", "this device's Ed25519 seed, 64 hex digits (instead of the derived key)")
    .option("--trust <file>", 'JSON { "<device id>": "<public key hex>" }: senders the firmware accepts besides derived keys')
    .option("--unsealed", "with --link: bodies cross the link as they are, no envelopes")
    .option("--agents-partition <bundles>", "signed bundles (.cab, comma-separated) for the agents partition: provisioned at first boot, updated over the air (needs --engine wasm3)")
    .option("--publishers <keys>", "publisher public keys (64 hex digits each, comma-separated) whose bundles the device installs")
    .option("--policy <file>", "site policy YAML the device enforces on publish and actuator commands (egress classes, local-only topics, rate limits, task priorities, shared actuators) and, with --agents-partition, on OTA installs (updates rules)")
    .option("--json", "print the result as JSON")
    .action(async (o: { board: string; agents: string; events?: string; out: string; engine: string; link?: boolean; device?: string; site: string; seed?: string; key?: string; trust?: string; unsealed?: boolean; agentsPartition?: string; publishers?: string; policy?: string; json?: boolean }) => {
      if (o.engine !== "native" && o.engine !== "wasm3") throw new CliError(`--engine must be native or wasm3, got "${o.engine}"`);
      // a QEMU build defaults to a bounded run; a linked or real board runs until stopped
      const events = o.events !== undefined ? int(o.events, "--events", 0) : o.link || TARGETS[o.board]?.idf ? 0 : DEFAULT_EVENTS;
      const r = await reportErrors(
        () =>
          buildFirmware({
            root: process.cwd(),
            board: o.board,
            agents: o.agents.split(",").map((s) => s.trim()).filter(Boolean),
            events,
            out: o.out,
            engine: o.engine as FirmwareEngine,
            link: o.link ?? false,
            site: o.site,
            ...(o.device ? { deviceId: o.device } : {}),
            ...(o.seed !== undefined ? { seed: int(o.seed, "--seed", 0) } : {}),
            ...(o.key !== undefined ? { keyFile: o.key } : {}),
            ...(o.trust !== undefined ? { trustFile: o.trust } : {}),
            ...(o.unsealed ? { sealed: false } : {}),
            ...(o.agentsPartition !== undefined ? { agentsPartition: { bundles: list(o.agentsPartition), trustedKeys: list(o.publishers ?? "") } } : {}),
            ...(o.policy !== undefined ? { policy: o.policy } : {}),
          }),
        [FirmwareBuildError, CompileError, AgentSourceError, ManifestError, LoadError, BoardError, PolicyError],
      );
      if (o.json) return printJson(r);
      if (!r.elf) {
        process.stdout.write(`generated ${r.generated} (agent table${o.engine === "native" ? " and wasm2c output" : ""})\n`);
        process.stdout.write(`build and flash with ESP-IDF: idf.py -C boards/esp32 -DCOLONY_GEN_DIR=${r.generated} -DCOLONY_ENGINE=${o.engine} build flash\n`);
        return;
      }
      process.stdout.write(`built ${r.elf}  text ${r.size.text} B, data ${r.size.data} B, bss ${r.size.bss} B\n`);
      for (const a of r.agents) process.stdout.write(`  ${a.name}: ${a.engine}, ${a.wasmBytes} B wasm, ${a.memoryPages} page(s)\n`);
    });
  fw.command("run")
    .description("boot <out>/<board>.elf under QEMU (its exit code is the firmware's)")
    .requiredOption("--board <name>", "board the firmware was built for")
    .option("--out <dir>", "where `firmware build` wrote it", "build/firmware")
    .option("--timeout <s>", "stop QEMU after this many seconds", "60")
    .option("--gateway <host:port>", "bridge the link UART to this MQTT-SN gateway (UDP)")
    .action(async (o: { board: string; out: string; timeout: string; gateway?: string }) => {
      const elf = path.resolve(o.out, `${o.board}.elf`);
      if (!existsSync(elf)) throw new CliError(`${elf} does not exist: run \`colony firmware build --board ${o.board} --agents ...\` first`);
      // a reader that goes away (`| head`) ends the run; QEMU is killed on exit
      process.stdout.on("error", (e: NodeJS.ErrnoException) => {
        if (e.code === "EPIPE") process.exit(0);
      });
      let bridge: SerialBridge | undefined;
      if (o.gateway) {
        bridge = new SerialBridge({ gateway: hostPort(o.gateway), log: (l) => process.stderr.write(l + "\n") });
        await bridge.start();
      }
      const r = await reportErrors(
        () =>
          runQemu({
            board: o.board,
            elf,
            timeoutMs: int(o.timeout, "--timeout", 1) * 1000,
            ...(bridge ? { linkPort: bridge.port } : {}),
            onLine: (l) => process.stdout.write(l + "\n"),
          }),
        [FirmwareBuildError],
      ).finally(() => bridge?.stop());
      if (r.stderr.trim()) process.stderr.write(r.stderr);
      if (r.timedOut) process.stderr.write(`firmware stopped after ${o.timeout} s (--timeout)\n`);
      process.exitCode = r.timedOut ? 0 : (r.code ?? 1);
    });
}
