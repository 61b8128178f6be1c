// The kernel's BusPort for a device whose agents take part in the coordination protocols.
// Agent topics travel as kind "bus.msg", body { agent, data } (docs/protocol.md).
// On coord/ topics an agent speaks the protocols of this folder byte for byte: its CBOR map
// names the envelope kind in `kind`, and the rest of the map is the envelope body, so a host
// Presence, Election or LeaseServer cannot tell an AssemblyScript peer from a host one.
// ABI v1 has no call for "who am I", "retain" or a last will, so this port supplies what
// the protocols need (docs/protocol.md, "From AssemblyScript"):
// - out: "$device" as a topic level or a top-level text value becomes this device's id;
//   retained kinds are retained; presence only on this device's own presence topic;
// - in: the body gets `kind`, `from` (the sender device, authenticated by the signature)
//   and `me` (this device's id).
import type { BusMessage, BusPort } from "../kernel/index.ts";
import { cborDecode, cborEncode } from "../net/cbor.ts";
import type { Envelope } from "../net/envelope.ts";
import type { CoordNode } from "./node.ts";
import { LEADER_CLAIM, LEADER_RESIGN } from "./election.ts";
import { LEASE } from "./lease.ts";
import { PRESENCE_BEAT, PRESENCE_GONE } from "./presence.ts";

export const AGENT_BUS_KIND = "bus.msg";
export const DEVICE_PLACEHOLDER = "$device";

/** Kinds an agent may send on coord/ topics, and whether the protocol retains them. */
const AGENT_KINDS: ReadonlyMap<string, { retain: boolean }> = new Map([
  [PRESENCE_BEAT, { retain: true }],
  [PRESENCE_GONE, { retain: true }],
  [LEADER_CLAIM, { retain: true }],
  [LEADER_RESIGN, { retain: true }],
  [LEASE.ACQUIRE, { retain: false }],
  [LEASE.RELEASE, { retain: false }],
  [LEASE.STATE, { retain: true }],
]);

export class CoordBusPort implements BusPort {
  /** Agent messages refused on the way out, by reason (the kernel already counted the publish). */
  readonly refused = new Map<string, number>();
  private readonly prefix: string;

  constructor(private readonly node: CoordNode) {
    this.prefix = `colony/${node.site}/`;
  }

  publish(msg: BusMessage): void {
    const rel = msg.topic.startsWith(this.prefix) ? msg.topic.slice(this.prefix.length) : undefined;
    if (rel === undefined) return this.refuse("off-site", `publish on ${msg.topic}: not under ${this.prefix}`);
    if (!isCoord(rel)) {
      const device = this.node.id;
      const agent = msg.from.startsWith(`${device}/`) ? msg.from.slice(device.length + 1) : msg.from === device ? "" : msg.from;
      this.node.send(rel, AGENT_BUS_KIND, { agent, data: msg.body }, { qos: msg.qos >= 1 ? 1 : 0 });
      return;
    }
    let body: unknown;
    try {
      body = cborDecode(msg.body);
    } catch (e) {
      return this.refuse("malformed-body", `${msg.from} on ${rel}: ${(e as Error).message}`);
    }
    if (typeof body !== "object" || body === null || Array.isArray(body) || body instanceof Uint8Array)
      return this.refuse("not-a-map", `${msg.from} on ${rel}: the body must be a CBOR map`);
    const { kind, ...rest } = body as Record<string, unknown>;
    const spec = typeof kind === "string" ? AGENT_KINDS.get(kind) : undefined;
    if (!spec) return this.refuse("bad-kind", `${msg.from} on ${rel}: kind ${JSON.stringify(kind)} is not one an agent may send (${[...AGENT_KINDS.keys()].join(", ")})`);
    const topic = rel.split("/").map((l) => (l === DEVICE_PLACEHOLDER ? this.node.id : l)).join("/");
    if (kind!.toString().startsWith("presence.") && topic !== `coord/presence/${this.node.id}`)
      return this.refuse("bad-topic", `${msg.from}: ${kind} only on coord/presence/${DEVICE_PLACEHOLDER}, not ${rel}`);
    for (const [k, v] of Object.entries(rest)) if (v === DEVICE_PLACEHOLDER) rest[k] = this.node.id;
    this.node.send(topic, kind as string, rest, { qos: msg.qos >= 1 ? 1 : 0, retain: spec.retain });
  }

  subscribe(filter: string, deliver: (msg: BusMessage) => void): () => void {
    const rel = filter.startsWith(this.prefix) ? filter.slice(this.prefix.length) : undefined;
    if (rel === undefined) throw new RangeError(`subscribe ${filter}: not under ${this.prefix}`);
    // Wills are sealed at connect time: presence.gone is opened without the replay window.
    const idempotentKinds = mayMatchPresence(rel) ? [PRESENCE_GONE] : [];
    return this.node.on(
      rel,
      (env: Envelope, relTopic: string) => {
        const topic = this.prefix + relTopic;
        if (env.kind === AGENT_BUS_KIND) {
          const b = env.body as { agent?: unknown; data?: unknown };
          if (typeof b?.agent !== "string" || !(b.data instanceof Uint8Array)) return;
          deliver({ topic, from: b.agent ? `${env.from}/${b.agent}` : env.from, body: b.data, qos: 1, sentAt: env.ts });
        } else if (isCoord(relTopic) && AGENT_KINDS.has(env.kind) && typeof env.body === "object" && env.body !== null && !Array.isArray(env.body)) {
          const body = cborEncode({ ...(env.body as Record<string, unknown>), kind: env.kind, from: env.from, me: this.node.id });
          deliver({ topic, from: env.from, body, qos: 1, sentAt: env.ts });
        }
      },
      { idempotentKinds },
    );
  }

  private refuse(what: string, line: string): void {
    this.refused.set(what, (this.refused.get(what) ?? 0) + 1);
    this.node.log(`agent message refused: ${line}`);
  }
}

function isCoord(rel: string): boolean {
  return rel === "coord" || rel.startsWith("coord/");
}

function mayMatchPresence(relFilter: string): boolean {
  const f = relFilter.split("/");
  const t = ["coord", "presence"];
  for (let i = 0; i < f.length; i++) {
    if (f[i] === "#") return true;
    if (i >= 3 || (i < 2 && f[i] !== "+" && f[i] !== t[i])) return false;
  }
  return f.length === 3;
}
