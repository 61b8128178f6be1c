// Where sealed messages arrive: opens each delivery once, however many of the device's filters
// it matches, and hands the envelope to every matching handler. Opening twice would make the
// second look like a replay; here a replay is only ever a second *delivery*.
// How: every filter's transport callback sees every delivery matching it, so only the callback
// of the first (oldest) matching filter acts on a delivery.
import { EnvelopeError, type Envelope, type Opener } from "./envelope.ts";
import { levelsMatch } from "./topics.ts";
import type { Transport } from "./transport.ts";

interface Entry {
  filter: string;
  levels: string[];
  fn: (env: Envelope, topic: string) => void;
  /** Kinds this handler accepts without the replay window (sealed long before sending: wills). */
  idempotent: ReadonlySet<string>;
}

export class SealedInbox {
  private entries: Entry[] = [];

  constructor(
    private readonly transport: Transport,
    private readonly opener: Opener,
    private readonly onRefused: (e: EnvelopeError, topic: string) => void,
  ) {}

  /** Handle envelopes on an absolute filter; returns a remover. */
  add(filter: string, fn: (env: Envelope, topic: string) => void, idempotentKinds: readonly string[] = []): () => void {
    const entry: Entry = { filter, levels: filter.split("/"), fn, idempotent: new Set(idempotentKinds) };
    this.entries.push(entry);
    const unsub = this.transport.subscribe(filter, (topic, payload) => this.deliver(entry, topic, payload));
    unsub.catch((e: Error) => this.onRefused(new EnvelopeError("bad-field", `subscribe ${filter}: ${e.message}`), filter));
    return () => {
      this.entries = this.entries.filter((e) => e !== entry);
      void unsub.then((u) => u()).catch(() => undefined);
    };
  }

  private deliver(via: Entry, topic: string, payload: Uint8Array): void {
    const levels = topic.split("/");
    const matching = this.entries.filter((e) => levelsMatch(e.levels, levels));
    if (matching[0] !== via) return; // another filter's callback handles this delivery
    let env: Envelope;
    let idempotentOnly = false;
    try {
      const idem = matching.some((e) => e.idempotent.size > 0);
      const first = idem ? this.opener.openIdempotent(payload) : undefined;
      if (first && matching.some((e) => e.idempotent.has(first.kind))) {
        env = first;
        idempotentOnly = true;
      } else env = this.opener.open(payload);
    } catch (e) {
      if (!(e instanceof EnvelopeError)) throw e;
      this.onRefused(e, topic);
      return;
    }
    for (const e of matching) {
      if (idempotentOnly && !e.idempotent.has(env.kind)) continue;
      e.fn(env, topic);
    }
  }
}
