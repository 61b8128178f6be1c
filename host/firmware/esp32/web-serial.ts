// A Web Serial-shaped port over the `serialport` package, which is what esptool-js's
// Transport expects (open/close, readable/writable web streams, setSignals, getInfo,
// setBaudRate). There is no upstream Node transport for esptool-js.
import { Readable } from "node:stream";
import type { SerialPort } from "serialport";

export interface SerialSignals {
  dataTerminalReady?: boolean;
  requestToSend?: boolean;
  break?: boolean;
}

export class NodeSerialPort {
  private port: SerialPort | null = null;
  readable: ReadableStream<Uint8Array> | null = null;
  writable: WritableStream<Uint8Array> | null = null;
  /** Signal changes asked for (DTR/RTS drive EN and GPIO0 on a dev board). */
  readonly signals: SerialSignals[] = [];

  constructor(
    readonly path: string,
    private readonly info: { usbVendorId?: number; usbProductId?: number } = {},
  ) {}

  async open(o: { baudRate: number }): Promise<void> {
    // Loaded here so that image tools and the CLI start without the native serial binding.
    const { SerialPort: Port } = await import("serialport");
    const port = new Port({ path: this.path, baudRate: o.baudRate, autoOpen: false });
    await new Promise<void>((res, rej) => port.open((e) => (e ? rej(new Error(`${this.path}: ${e.message}`)) : res())));
    this.port = port;
    this.readable = Readable.toWeb(port) as unknown as ReadableStream<Uint8Array>;
    this.writable = new WritableStream<Uint8Array>({
      write: (chunk) =>
        new Promise<void>((res, rej) => {
          port.write(Buffer.from(chunk), (e) => (e ? rej(e) : port.drain((d) => (d ? rej(d) : res()))));
        }),
    });
  }

  async close(): Promise<void> {
    const port = this.port;
    this.port = null;
    this.readable = null;
    this.writable = null;
    if (port?.isOpen) await new Promise<void>((res) => port.close(() => res()));
  }

  async setSignals(s: SerialSignals): Promise<void> {
    this.signals.push({ ...s });
    const port = this.port;
    if (!port) return;
    const set: { dtr?: boolean; rts?: boolean; brk?: boolean } = {};
    if (s.dataTerminalReady !== undefined) set.dtr = s.dataTerminalReady;
    if (s.requestToSend !== undefined) set.rts = s.requestToSend;
    if (s.break !== undefined) set.brk = s.break;
    // A pty has no modem lines: the ioctl fails there, and that is fine.
    await new Promise<void>((res) => port.set(set, () => res()));
  }

  async setBaudRate(baudRate: number): Promise<void> {
    const port = this.port;
    if (!port) throw new Error(`${this.path}: not open`);
    await new Promise<void>((res, rej) => port.update({ baudRate }, (e) => (e ? rej(e) : res())));
  }

  getInfo(): { usbVendorId?: number; usbProductId?: number } {
    return this.info;
  }
}
