// A pty pair from Debian's socat, and the simulated ESP32 serving its loader on one end:
// the real esptool-js + serialport open the other end as if it were a USB-UART bridge.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { SerialPort } from "serialport";
import { Esp32SerialLoader } from "./loader.ts";
import { SlipDecoder, slipEncode } from "./slip.ts";

export function hasSocat(): boolean {
  return spawnSync("socat", ["-V"], { stdio: "ignore" }).status === 0;
}

export interface PtyPair {
  /** The end the tool under test opens. */
  readonly host: string;
  /** The end the simulated chip serves. */
  readonly device: string;
  close(): Promise<void>;
}

export function openPtyPair(): Promise<PtyPair> {
  return new Promise((resolve, reject) => {
    const p: ChildProcess = spawn("socat", ["-d", "-d", "pty,raw,echo=0", "pty,raw,echo=0"], { stdio: ["ignore", "ignore", "pipe"] });
    const paths: string[] = [];
    let err = "";
    p.stderr!.on("data", (d: Buffer) => {
      err += d.toString();
      for (const m of d.toString().matchAll(/PTY is (\S+)/g)) paths.push(m[1]!);
      if (paths.length === 2 && /starting data transfer loop/.test(err))
        resolve({
          host: paths[0]!,
          device: paths[1]!,
          close: () =>
            new Promise<void>((r) => {
              if (p.exitCode !== null) return r();
              p.once("exit", () => r());
              p.kill("SIGTERM");
            }),
        });
    });
    p.once("error", reject);
    p.once("exit", (code) => paths.length < 2 && reject(new Error(`socat exited (${code}): ${err}`)));
  });
}

export interface RunningChip {
  readonly loader: Esp32SerialLoader;
  close(): Promise<void>;
}

/** Serves `loader` on a pty path: frames in, handled one at a time, responses out. */
export async function serveChip(path: string, loader = new Esp32SerialLoader()): Promise<RunningChip> {
  const port = new SerialPort({ path, baudRate: 115200, autoOpen: false });
  await new Promise<void>((res, rej) => port.open((e) => (e ? rej(e) : res())));
  const slip = new SlipDecoder();
  let queue: Promise<void> = Promise.resolve();
  const send = (frame: Uint8Array): Promise<void> =>
    new Promise((res, rej) => {
      port.write(Buffer.from(slipEncode(frame)), (e) => (e ? rej(e) : port.drain(() => res())));
    });
  port.on("data", (bytes: Buffer) => {
    for (const frame of slip.push(bytes)) queue = queue.then(() => loader.handle(frame, send)).catch(() => undefined);
  });
  return {
    loader,
    close: async () => {
      await queue;
      if (port.isOpen) await new Promise<void>((res) => port.close(() => res()));
    },
  };
}
