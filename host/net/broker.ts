// The embedded MQTT broker: aedes in-process on a TCP port of 127.0.0.1. restart() keeps the
// broker's persistence (sessions, subscriptions, queued QoS 1, retained), as a broker with a
// durable store would, so "broker restarted mid-run" can be tested without losing state.
import { createServer, type Server } from "node:net";
import { Aedes } from "aedes";

export interface BrokerOptions {
  host?: string;
  /** 0 = a free port. */
  port?: number;
}

export class EmbeddedBroker {
  private aedes?: Aedes;
  private server?: Server;
  private persistence: unknown;
  private constructor(
    readonly host: string,
    private _port: number,
  ) {}

  static async start(opts: BrokerOptions = {}): Promise<EmbeddedBroker> {
    const b = new EmbeddedBroker(opts.host ?? "127.0.0.1", opts.port ?? 0);
    await b.up();
    return b;
  }

  get port(): number {
    return this._port;
  }
  get url(): string {
    return `mqtt://${this.host}:${this._port}`;
  }
  get running(): boolean {
    return !!this.server;
  }
  /** The aedes instance, for bridging in-process (the MQTT-SN gateway may use it). */
  get instance(): Aedes | undefined {
    return this.aedes;
  }

  private async up(): Promise<void> {
    const aedes = await Aedes.createBroker({ id: "colony-embedded", ...(this.persistence ? { persistence: this.persistence } : {}) });
    this.persistence = (aedes as unknown as { persistence: unknown }).persistence;
    // TCP_NODELAY: a QoS 1 PUBACK must not wait for Nagle and the peer's delayed ACK (~40 ms each way)
    const server = createServer({ noDelay: true }, aedes.handle);
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(this._port, this.host, () => resolve());
    });
    const addr = server.address();
    if (addr && typeof addr === "object") this._port = addr.port;
    this.aedes = aedes;
    this.server = server;
  }

  async stop(): Promise<void> {
    const { aedes, server } = this;
    this.aedes = undefined;
    this.server = undefined;
    if (server) {
      const closed = new Promise<void>((r) => server.close(() => r()));
      if (aedes) await new Promise<void>((r) => aedes.close(() => r()));
      await closed;
    }
  }

  /** Stop, wait `downMs`, start again on the same port with the same persistence. */
  async restart(downMs = 0): Promise<void> {
    await this.stop();
    if (downMs > 0) await new Promise((r) => setTimeout(r, downMs));
    await this.up();
  }
}
