// Boots a firmware ELF under QEMU, bounded by a timeout: the console is
// semihosting (stdout), the link UART goes to a host TCP socket when asked.
import { spawn } from "node:child_process";
import { FirmwareBuildError, targetFor } from "../compile/index.ts";

export interface QemuOptions {
  board: string;
  elf: string;
  /** kill QEMU after this long (a firmware built with --events 0 runs until stopped) */
  timeoutMs: number;
  /** QEMU connects the link UART to this TCP port on 127.0.0.1 (QEMU as the client) */
  linkPort?: number;
  /** count guest instructions (-icount shift=0: one instruction per virtual ns) */
  icount?: boolean;
  /** each console line as it arrives */
  onLine?: (line: string) => void;
  /** stops QEMU before the timeout (a test that has seen what it waited for) */
  signal?: AbortSignal;
}

export interface QemuResult {
  /** QEMU's exit status: the firmware's semihosting exit code; null when killed */
  code: number | null;
  timedOut: boolean;
  stdout: string;
  stderr: string;
}

export function qemuCommand(o: QemuOptions): { binary: string; args: string[] } {
  const t = targetFor(o.board);
  if (t.idf) throw new FirmwareBuildError(`${o.board} is a real board built with ESP-IDF: flash it (colony flash), QEMU cannot run it`);
  const serial = o.linkPort !== undefined ? ["-serial", `tcp:127.0.0.1:${o.linkPort}`] : ["-serial", "none"];
  return { binary: t.qemu.binary, args: [...t.qemu.args, ...(o.icount ? ["-icount", "shift=0"] : []), ...serial, "-kernel", o.elf] };
}

export function runQemu(o: QemuOptions): Promise<QemuResult> {
  return new Promise((resolve, reject) => {
    const { binary, args } = qemuCommand(o);
    const child = spawn(binary, args, { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    let partial = "";
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, o.timeoutMs);
    // QEMU must not outlive us (a closed pipe or Ctrl-C ends the CLI first)
    const orphan = () => child.kill("SIGKILL");
    process.once("exit", orphan);
    if (o.signal?.aborted) child.kill("SIGKILL");
    o.signal?.addEventListener("abort", orphan, { once: true });
    child.stdout.on("data", (d: Buffer) => {
      const s = d.toString("utf8");
      stdout += s;
      if (!o.onLine) return;
      partial += s;
      const lines = partial.split("\n");
      partial = lines.pop() ?? "";
      for (const l of lines) o.onLine(l);
    });
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString("utf8")));
    child.on("error", (e) => {
      clearTimeout(timer);
      process.off("exit", orphan);
      reject(new Error(`${binary}: ${(e as NodeJS.ErrnoException).code === "ENOENT" ? "not installed" : e.message}`));
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      process.off("exit", orphan);
      o.signal?.removeEventListener("abort", orphan);
      resolve({ code: timedOut ? null : code, timedOut, stdout, stderr });
    });
  });
}
