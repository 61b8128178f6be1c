// The host side of a device's link: QEMU's UART as a TCP socket, each SLIP
// frame one MQTT-SN packet, forwarded as a UDP datagram to Colony's MQTT-SN
// gateway from a socket of its own, so the gateway sees one client per device.
import { createSocket, type Socket as UdpSocket } from "node:dgram";
import { createServer, type Server, type Socket } from "node:net";
import { SlipDecoder, slipEncode } from "./slip.ts";

export interface BridgeOptions {
  gateway: { host: string; port: number };
  /** TCP port QEMU's serial connects to; 0 = a free one */
  tcpPort?: number;
  log?: (line: string) => void;
  /** every packet as it passes ("up": device to gateway) */
  trace?: (direction: "up" | "down", packet: Uint8Array) => void;
}

export interface BridgeStats {
  toGateway: number;
  toDevice: number;
}

export class SerialBridge {
  readonly stats: BridgeStats = { toGateway: 0, toDevice: 0 };
  private server?: Server;
  private udp?: UdpSocket;
  private serial?: Socket;
  private _port = 0;

  constructor(private readonly o: BridgeOptions) {}

  get port(): number {
    return this._port;
  }

  async start(): Promise<void> {
    const udp = createSocket("udp4");
    this.udp = udp;
    await new Promise<void>((resolve) => udp.bind(0, "127.0.0.1", () => resolve()));
    udp.on("message", (msg) => {
      const packet = new Uint8Array(msg.buffer, msg.byteOffset, msg.byteLength);
      this.stats.toDevice++;
      this.o.trace?.("down", packet);
      this.serial?.write(slipEncode(packet));
    });
    const server = createServer((sock) => {
      this.serial?.destroy();
      this.serial = sock;
      this.o.log?.(`link: device connected from ${sock.remoteAddress}:${sock.remotePort}`);
      const slip = new SlipDecoder();
      sock.on("data", (d: Buffer) => {
        for (const frame of slip.push(new Uint8Array(d.buffer, d.byteOffset, d.byteLength))) {
          this.stats.toGateway++;
          this.o.trace?.("up", frame);
          udp.send(frame, this.o.gateway.port, this.o.gateway.host);
        }
      });
      sock.on("error", () => sock.destroy());
      sock.on("close", () => {
        if (this.serial === sock) this.serial = undefined;
      });
    });
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(this.o.tcpPort ?? 0, "127.0.0.1", () => resolve());
    });
    const addr = server.address();
    this._port = typeof addr === "object" && addr ? addr.port : 0;
  }

  async stop(): Promise<void> {
    this.serial?.destroy();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
    await new Promise<void>((r) => (this.udp ? this.udp.close(() => r()) : r()));
  }
}
