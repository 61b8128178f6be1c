// The site policy where devices' messages reach the broker (the MQTT-SN gateway): the second
// line behind each device's own gate, for a device that does not enforce the policy (an old
// firmware, a device without --policy) or lies. The broker sees a topic and a sealed envelope,
// not the agent's manifest, so it judges what it can: a local-only topic never arrives here,
// a topic the site classed is held to egress, the rate limits and the task claims are the
// kernel's (by the agent the envelope names); an unclassed topic is the device's call.
import { cborDecode } from "../net/cbor.ts";
import { PolicyGate } from "./gate.ts";
import type { SitePolicy } from "./policy.ts";

const SITE_TOPIC = /^colony\/[^/]+\/(.+)$/;

/** What a publish carries for the checks: the agent that sent it and its own bytes, read from a bus.msg envelope when there is one. */
function agentPart(body: Uint8Array): { agent: string; data: Uint8Array } {
  try {
    // an envelope's body is its own CBOR bytes (docs/protocol.md, "Envelope")
    const env = cborDecode(body) as { kind?: unknown; body?: unknown };
    if (env?.kind === "bus.msg" && env.body instanceof Uint8Array) {
      const b = cborDecode(env.body) as { agent?: unknown; data?: unknown };
      if (typeof b?.agent === "string" && b.data instanceof Uint8Array) return { agent: b.agent, data: b.data };
    }
  } catch {
    // an unsealed body: the agent's own bytes, no agent named
  }
  return { agent: "", data: body };
}

export class BrokerGate {
  private readonly gate: PolicyGate;
  /** refusals by reason: the kernel's ("egress:raw", "rate:<filter>", "task:priority") and "local-only" */
  readonly refused: Record<string, number> = {};
  checks = 0;

  constructor(readonly policy: SitePolicy) {
    this.gate = new PolicyGate(policy);
  }

  /** undefined: relay it; else why not. `device` is the publishing client, `now` ms. */
  check(device: string, topic: string, body: Uint8Array, now: number): string | undefined {
    const m = SITE_TOPIC.exec(topic);
    if (!m) return undefined; // not a site's topic: no policy speaks of it
    const rel = m[1]!;
    this.checks++;
    if (this.gate.localOnly(rel)) return this.refuse("local-only", `site policy: "${rel}" is local-only and may not leave ${device || "the device"} (${this.policy.file})`);
    const { agent, data } = agentPart(body);
    // sensors unknown here: an unclassed topic counts as public, the device's gate decided it
    const why = this.gate.checkPublish({ device, agent, topic: rel, bytes: data.length, sensors: [], now, body: data });
    return why === undefined ? undefined : this.refuse(this.gate.lastReason!, why);
  }

  private refuse(reason: string, why: string): string {
    this.refused[reason] = (this.refused[reason] ?? 0) + 1;
    return why;
  }
}
