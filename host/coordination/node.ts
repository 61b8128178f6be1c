// A device's end of the coordination layer: seals what it sends, opens (verifies, de-duplicates)
// what it receives, and speaks in topics relative to its site. Every protocol in this folder
// is built on one CoordNode; a forged, replayed or malformed message never reaches a protocol.
import type { Clock } from "../kernel/scheduler.ts";
import { Opener, Sealer, type Envelope, type EnvelopeProblem } from "../net/envelope.ts";
import { SealedInbox } from "../net/inbox.ts";
import type { DeviceKey, KeyRing } from "../net/keys.ts";
import { siteTopic } from "../net/topics.ts";
import type { PublishOptions, Transport } from "../net/transport.ts";

export interface CoordNodeOptions {
  transport: Transport;
  clock: Clock;
  key: DeviceKey;
  keys: KeyRing;
  site: string;
  /** Replay window per sender; large enough for the reordering a lossy network produces. */
  replayWindow?: number;
  /** Last sequence number this device used (persisted across restarts). */
  lastSeq?: number;
  log?: (line: string) => void;
}

export type Handler = (env: Envelope, relTopic: string) => void;

export class CoordNode {
  readonly id: string;
  readonly site: string;
  readonly clock: Clock;
  readonly transport: Transport;
  /** Messages refused before reaching a protocol, by reason. */
  readonly refused: Partial<Record<EnvelopeProblem, number>> = {};
  private sealer: Sealer;
  private opener: Opener;
  private prefix: string;
  private inbox: SealedInbox;

  constructor(private readonly opts: CoordNodeOptions) {
    this.id = opts.key.id;
    this.site = opts.site;
    this.clock = opts.clock;
    this.transport = opts.transport;
    this.sealer = new Sealer(opts.key, () => opts.clock.now(), opts.lastSeq ?? 0);
    this.opener = new Opener(opts.keys, opts.replayWindow ?? 4096);
    this.prefix = `colony/${opts.site}/`;
    this.inbox = new SealedInbox(opts.transport, this.opener, (e, topic) => {
      this.refused[e.problem] = (this.refused[e.problem] ?? 0) + 1;
      if (e.problem !== "replay") this.log(`refused message on ${topic}: ${e.message}`);
    });
  }

  get lastSeq(): number {
    return this.sealer.lastSeq;
  }

  /** Seal and publish on colony/<site>/<rel>. Fire and forget: failures are logged. */
  send(rel: string, kind: string, body: unknown, opts: PublishOptions = { qos: 1 }): void {
    const payload = this.sealer.seal(kind, body);
    this.transport.publish(siteTopic(this.site, rel), payload, opts).catch((e: Error) => this.log(`send ${kind} on ${rel}: ${e.message}`));
  }

  /** Subscribe to colony/<site>/<relFilter>; only authentic, fresh envelopes reach `fn`. */
  on(relFilter: string, fn: Handler, opts: { idempotentKinds?: readonly string[] } = {}): () => void {
    return this.inbox.add(this.prefix + relFilter, (env, topic) => fn(env, topic.slice(this.prefix.length)), opts.idempotentKinds);
  }

  log(line: string): void {
    (this.opts.log ?? ((l: string) => console.error(l)))(`[${this.id}] ${line}`);
  }
}

/** A deterministic number in [0, 1) from strings: backoffs that differ per device yet replay exactly. */
export function hashUnit(...parts: (string | number)[]): number {
  let h = 0x811c9dc5;
  for (const ch of parts.join("\u0000")) {
    h ^= ch.charCodeAt(0);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h / 4294967296;
}
