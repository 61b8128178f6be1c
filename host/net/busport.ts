// The kernel's BusPort over any Transport, with every message sealed in an envelope: this is
// how the kernel's `bus` capability gets signatures and replay protection on the in-process
// bus, MQTT and MQTT-SN alike. Envelope kind "bus.msg", body { agent, data } where `data` is
// the agent's CBOR body as bytes; BusMessage.from is "<device>/<agent>", the device part
// authenticated by the envelope signature.
import type { BusMessage, BusPort } from "../kernel/index.ts";
import type { Clock } from "../kernel/scheduler.ts";
import { Opener, Sealer, type Envelope } from "./envelope.ts";
import { SealedInbox } from "./inbox.ts";
import type { DeviceKey, KeyRing } from "./keys.ts";
import type { Transport } from "./transport.ts";

export const BUS_KIND = "bus.msg";

export interface SealedBusPortOptions {
  transport: Transport;
  clock: Clock;
  key: DeviceKey;
  keys: KeyRing;
  replayWindow?: number;
  lastSeq?: number;
  /** A refused message or a failed publish, one line. */
  log?: (line: string) => void;
}

export class SealedBusPort implements BusPort {
  /** Messages refused (by envelope problem) and publishes that failed ("send-failed"). */
  readonly refused = new Map<string, number>();
  private sealer: Sealer;
  private inbox: SealedInbox;

  constructor(private readonly o: SealedBusPortOptions) {
    this.sealer = new Sealer(o.key, () => o.clock.now(), o.lastSeq ?? 0);
    this.inbox = new SealedInbox(o.transport, new Opener(o.keys, o.replayWindow ?? 4096), (e, topic) => {
      this.count(e.problem);
      if (e.problem !== "replay") o.log?.(`refused message on ${topic}: ${e.message}`);
    });
  }

  publish(msg: BusMessage): void {
    const device = this.o.key.id;
    const agent = msg.from.startsWith(`${device}/`) ? msg.from.slice(device.length + 1) : msg.from === device ? "" : msg.from;
    const payload = this.sealer.seal(BUS_KIND, { agent, data: msg.body });
    this.o.transport.publish(msg.topic, payload, { qos: msg.qos >= 1 ? 1 : 0 }).catch((e: Error) => {
      this.count("send-failed");
      this.o.log?.(`publish on ${msg.topic} failed: ${e.message}`);
    });
  }

  private count(what: string): void {
    this.refused.set(what, (this.refused.get(what) ?? 0) + 1);
  }

  subscribe(filter: string, deliver: (msg: BusMessage) => void): () => void {
    return this.inbox.add(filter, (env: Envelope, topic: string) => {
      const b = env.body as { agent?: unknown; data?: unknown };
      if (env.kind !== BUS_KIND || typeof b?.agent !== "string" || !(b.data instanceof Uint8Array)) return;
      deliver({ topic, from: b.agent ? `${env.from}/${b.agent}` : env.from, body: b.data, qos: 1, sentAt: env.ts });
    });
  }
}
