// Writes images to an ESP32 through esptool-js over a serial port: connect and detect the
// chip, run the flasher stub, write compressed, verify each image by MD5, hard-reset.
import { createHash } from "node:crypto";
import { NodeSerialPort } from "./web-serial.ts";
import type { FlashImage } from "./plan.ts";

export interface FlashProgress {
  readonly image: string;
  readonly index: number;
  readonly count: number;
  /** Bytes sent of this image's (compressed) stream. */
  readonly written: number;
  readonly total: number;
}

export interface FlashOptions {
  /** A device path, or an already-made Web Serial-shaped port. */
  readonly port: string | NodeSerialPort;
  readonly images: readonly FlashImage[];
  /** Baud rate after the stub runs (the ROM starts at 115200). */
  readonly baudrate?: number;
  readonly onProgress?: (p: FlashProgress) => void;
  readonly log?: (line: string) => void;
}

export interface FlashResult {
  readonly chip: string;
  readonly bytes: number;
  readonly seconds: number;
  /** Every image's MD5 was read back from the chip and matched. */
  readonly verified: boolean;
  readonly reset: boolean;
}

export async function flashEsp32(o: FlashOptions): Promise<FlashResult> {
  const { ESPLoader, Transport } = await import("esptool-js");
  const device = typeof o.port === "string" ? new NodeSerialPort(o.port) : o.port;
  const log = o.log ?? (() => undefined);
  const terminal = { clean: () => undefined, writeLine: (s: string) => log(s), write: (s: string) => log(s) };
  // esptool-js types its port as the DOM SerialPort; ours has the same shape.
  const transport = new Transport(device as unknown as ConstructorParameters<typeof Transport>[0], false);
  const loader = new ESPLoader({ transport, baudrate: o.baudrate ?? 460800, romBaudrate: 115200, terminal, debugLogging: false });
  const started = performance.now();
  let verified = false;
  let reset = false;
  let chip = "";
  try {
    chip = await loader.main();
    const md5s: string[] = [];
    await loader.writeFlash({
      fileArray: o.images.map((i) => ({ data: i.data, address: i.address })),
      flashMode: "keep",
      flashFreq: "keep",
      flashSize: "keep",
      eraseAll: false,
      compress: true,
      reportProgress: (index: number, written: number, total: number) =>
        o.onProgress?.({ image: o.images[index]!.name, index, count: o.images.length, written, total }),
      // esptool-js reads the MD5 back after each image and throws when it differs.
      calculateMD5Hash: (image: Uint8Array) => {
        const h = createHash("md5").update(image).digest("hex");
        md5s.push(h);
        return h;
      },
    });
    verified = md5s.length === o.images.filter((i) => i.data.length > 0).length;
    await loader.after("hard_reset");
    reset = true;
  } finally {
    await transport.disconnect().catch(() => undefined);
  }
  return { chip, bytes: o.images.reduce((n, i) => n + i.data.length, 0), seconds: (performance.now() - started) / 1000, verified, reset };
}
