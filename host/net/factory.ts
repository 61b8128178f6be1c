// One way to get a Transport from a description: what the kernel and the CLI use, so that
// "--broker mqtt://..." or "--gateway 127.0.0.1:1884" picks the implementation, not the caller.
import type { InProcessBus } from "./inproc/bus.ts";
import { InProcessTransport } from "./inproc/transport.ts";
import { MqttSnClient } from "./mqttsn/client.ts";
import { MqttTransport } from "./mqtt/transport.ts";
import type { Transport, TransportOptions } from "./transport.ts";

export type TransportSpec =
  | { kind: "inproc"; bus: InProcessBus }
  | { kind: "mqtt"; url: string; keepAlive?: number }
  | { kind: "mqttsn"; port: number; host?: string; keepAliveS?: number; predefined?: Record<number, string> };

export function createTransport(spec: TransportSpec, opts: TransportOptions): Transport {
  switch (spec.kind) {
    case "inproc":
      return new InProcessTransport(spec.bus, opts);
    case "mqtt":
      return new MqttTransport({ ...opts, url: spec.url, ...(spec.keepAlive ? { keepAlive: spec.keepAlive } : {}) });
    case "mqttsn":
      return new MqttSnClient({
        ...opts,
        gateway: { port: spec.port, ...(spec.host ? { host: spec.host } : {}) },
        ...(spec.keepAliveS ? { keepAliveS: spec.keepAliveS } : {}),
        ...(spec.predefined ? { predefined: spec.predefined } : {}),
      });
  }
}
