// The live fleet model: built only from what the site's topics carry (OTA records and statuses,
// presence beats, agents' messages, contract-net, anomaly events), so the dashboard sees what
// any subscriber sees. Envelopes are parsed, not verified: the dashboard holds no device keys.
import { cborDecode, parseEnvelope } from "../net/index.ts";
import { decodeDevice, decodeStatus, keyId, readBundle } from "../ota/index.ts";
import type { RolloutRecord } from "../ota/index.ts";

export interface AgentView {
  name: string;
  version?: string;
  /** running, updating (OTA), stopped (no version runs), silent (device lost) */
  state: string;
  messages: number;
  lastTopic?: string;
  fuel?: number;
  memory?: number;
}

export interface DeviceView {
  id: string;
  groups: string[];
  position?: [number, number, number];
  battery?: number;
  alive: boolean;
  lastSeen: number;
  agents: Record<string, AgentView>;
  ota?: { rollout: string; phase: string; running: string; target: string; reason?: string };
}

export interface RolloutView {
  id: string;
  agent: string;
  version: string;
  state: string;
  reason?: string;
  waves: number[];
  wavesDone: number;
  canaryPercent: number;
  haltOnPercent: number;
  /** phases of its devices, counted */
  phases: Record<string, number>;
  signer?: string;
}

export interface AuctionView {
  task: string;
  manager?: string;
  bids: number;
  winner?: string;
  state: string;
  at: number;
}

export interface AlertView {
  at: number;
  kind: "anomaly" | "rollout" | "device";
  text: string;
}

export interface FleetSnapshot {
  site: string;
  at: number;
  devices: DeviceView[];
  rollouts: RolloutView[];
  auctions: AuctionView[];
  /** messages per second per topic (last few seconds), topics with a device level folded */
  rates: Record<string, number>;
  alerts: AlertView[];
  messages: number;
}

const RATE_WINDOW_MS = 5000;
/** A device silent this long is lost. */
export const LOST_AFTER_MS = 5000;
const MAX_ALERTS = 50;
const MAX_AUCTIONS = 30;

export class FleetModel {
  private readonly devices = new Map<string, DeviceView>();
  private readonly rollouts = new Map<string, RolloutRecord>();
  private readonly signers = new Map<string, string>();
  private readonly auctions = new Map<string, AuctionView>();
  private readonly alerts: AlertView[] = [];
  private readonly arrivals: { at: number; topic: string }[] = [];
  private messages = 0;
  version = 0;

  constructor(
    readonly site: string,
    private readonly now: () => number = Date.now,
  ) {}

  /** The filter to subscribe to. */
  get filter(): string {
    return `colony/${this.site}/#`;
  }

  /** Public key id that signed a retained bundle, by bundle id. */
  signerOf(bundle: string): string | undefined {
    return this.signers.get(bundle);
  }

  rollout(id: string): RolloutRecord | undefined {
    return this.rollouts.get(id);
  }

  /** Takes one message; anything it cannot read is counted and otherwise ignored. */
  take(topic: string, payload: Uint8Array): void {
    const prefix = `colony/${this.site}/`;
    if (!topic.startsWith(prefix)) return;
    const rel = topic.slice(prefix.length);
    const at = this.now();
    this.messages++;
    this.version++;
    this.arrivals.push({ at, topic: foldTopic(rel) });
    if (payload.length === 0) return;
    try {
      if (rel.startsWith("ota/")) this.takeOta(rel, payload, at);
      else this.takeEnvelope(rel, payload, at);
    } catch {
      /* a message this view does not understand: counted in the rates only */
    }
  }

  snapshot(): FleetSnapshot {
    const at = this.now();
    while (this.arrivals.length && this.arrivals[0]!.at < at - RATE_WINDOW_MS) this.arrivals.shift();
    const rates: Record<string, number> = {};
    for (const a of this.arrivals) rates[a.topic] = (rates[a.topic] ?? 0) + 1 / (RATE_WINDOW_MS / 1000);
    for (const d of this.devices.values()) {
      if (d.alive && at - d.lastSeen > LOST_AFTER_MS) {
        d.alive = false;
        this.alert({ at, kind: "device", text: `${d.id} lost: nothing heard for ${Math.round((at - d.lastSeen) / 1000)} s` });
      }
      for (const a of Object.values(d.agents)) if (a.state === "running" && !d.alive) a.state = "silent";
    }
    const rollouts = [...this.rollouts.values()].map((r): RolloutView => {
      const phases: Record<string, number> = {};
      for (const d of this.devices.values()) if (d.ota?.rollout === r.id) phases[d.ota.phase] = (phases[d.ota.phase] ?? 0) + 1;
      return {
        id: r.id,
        agent: r.agent,
        version: r.version,
        state: r.state,
        ...(r.reason ? { reason: r.reason } : {}),
        waves: r.waves.map((w) => w.length),
        wavesDone: r.wavesDone,
        canaryPercent: r.canaryPercent,
        haltOnPercent: r.haltOnPercent,
        phases,
        ...(this.signers.has(r.bundle) ? { signer: this.signers.get(r.bundle)! } : {}),
      };
    });
    return {
      site: this.site,
      at,
      devices: [...this.devices.values()].sort((a, b) => a.id.localeCompare(b.id)),
      rollouts,
      auctions: [...this.auctions.values()].slice(-MAX_AUCTIONS).reverse(),
      rates,
      alerts: [...this.alerts].reverse(),
      messages: this.messages,
    };
  }

  private device(id: string, at: number): DeviceView {
    let d = this.devices.get(id);
    if (!d) this.devices.set(id, (d = { id, groups: [], alive: true, lastSeen: at, agents: {} }));
    if (!d.alive) this.alert({ at, kind: "device", text: `${id} is back` });
    d.alive = true;
    d.lastSeen = at;
    return d;
  }

  private agent(d: DeviceView, name: string): AgentView {
    return (d.agents[name] ??= { name, state: "running", messages: 0 });
  }

  private alert(a: AlertView): void {
    this.alerts.push(a);
    if (this.alerts.length > MAX_ALERTS) this.alerts.shift();
  }

  private takeOta(rel: string, payload: Uint8Array, at: number): void {
    const [, kind, id] = rel.split("/");
    if (!id) return;
    if (kind === "device") {
      const m = decodeDevice(payload);
      const d = this.device(m.device, at);
      d.groups = [...m.groups];
      for (const [name, version] of Object.entries(m.agents)) this.agent(d, name).version = version;
    } else if (kind === "status") {
      const s = decodeStatus(payload);
      if (s.device !== id) return;
      const d = this.device(s.device, at);
      d.ota = { rollout: s.rollout, phase: s.phase, running: s.running, target: s.target, ...(s.reason ? { reason: s.reason } : {}) };
      const a = this.agent(d, s.agent);
      if (s.running) a.version = s.running;
      // a refused or rolled-back release leaves the agent running its previous version
      a.state = s.phase === "downloading" || s.phase === "installing" ? "updating" : s.running ? "running" : "stopped";
    } else if (kind === "rollout") {
      const r = cborDecode(payload) as RolloutRecord;
      if (typeof r !== "object" || r === null || r.id !== id || !Array.isArray(r.waves)) return;
      const before = this.rollouts.get(id);
      this.rollouts.set(id, r);
      if (r.state === "halted" && before?.state !== "halted") this.alert({ at, kind: "rollout", text: `rollout ${id} halted${r.reason ? `: ${r.reason}` : ""}` });
      if (r.state === "rolled-back" && before?.state !== "rolled-back") this.alert({ at, kind: "rollout", text: `rollout ${id} rolled back${r.reason ? `: ${r.reason}` : ""}` });
    } else if (kind === "bundle") {
      this.signers.set(id, keyId(readBundle(payload).publicKey));
    }
  }

  private takeEnvelope(rel: string, payload: Uint8Array, at: number): void {
    const env = parseEnvelope(payload);
    const body = cborDecode(env.body) as Record<string, unknown> | null;
    const d = this.device(env.from, at);
    if (rel.startsWith("coord/presence/")) {
      if (env.kind === "presence.gone") {
        d.alive = false;
        this.alert({ at, kind: "device", text: `${env.from} lost (${String(body?.why ?? "gone")})` });
        return;
      }
      const state = body?.state as { position?: unknown; battery?: unknown } | undefined;
      if (Array.isArray(state?.position) && state.position.length === 3 && state.position.every((x) => typeof x === "number")) d.position = state.position as [number, number, number];
      if (typeof state?.battery === "number") d.battery = state.battery;
      return;
    }
    if (rel.startsWith("coord/cnet/") && body) return this.auction(env.kind, body, env.from, at);
    if (env.kind !== "bus.msg" || !body || typeof body.agent !== "string") return;
    const a = this.agent(d, body.agent || "device");
    a.messages++;
    a.lastTopic = rel;
    if (a.state === "silent") a.state = "running";
    const data = body.data instanceof Uint8Array ? (safeDecode(body.data) as Record<string, unknown> | null) : null;
    if (data && typeof data === "object") {
      if (typeof data.fuel === "number") a.fuel = data.fuel;
      if (typeof data.memory === "number") a.memory = data.memory;
      if (rel.startsWith("cnet/") && typeof data.kind === "string") this.auction(data.kind, data, env.from, at);
      if (rel.startsWith("event/anomaly")) this.alert({ at, kind: "anomaly", text: `${env.from}/${body.agent}: anomaly${typeof data.score === "number" ? ` score ${data.score.toFixed(2)}` : ""}` });
    }
  }

  private auction(kind: string, b: Record<string, unknown>, from: string, at: number): void {
    const task = typeof b.task === "string" || typeof b.task === "number" ? String(b.task) : undefined;
    if (!task) return;
    let a = this.auctions.get(task);
    if (!a) {
      this.auctions.set(task, (a = { task, bids: 0, state: "open", at }));
      if (this.auctions.size > MAX_AUCTIONS * 4) this.auctions.delete(this.auctions.keys().next().value!);
    }
    if (kind === "cnet.cfp") a.manager = typeof b.manager === "string" ? b.manager : from;
    else if (kind === "cnet.bid") a.bids++;
    else if (kind === "cnet.award") {
      a.state = "awarded";
      if (typeof b.to === "string") a.winner = b.to;
    } else if (kind === "cnet.done") a.state = "done";
    else if (kind === "cnet.failed" || kind === "cnet.cancel") a.state = kind.slice(5);
  }
}

function safeDecode(b: Uint8Array): unknown {
  try {
    return cborDecode(b);
  } catch {
    return null;
  }
}

/** Topics with a per-device last level are folded, so the rates stay readable: ota/status/+ */
function foldTopic(rel: string): string {
  const parts = rel.split("/");
  if (parts[0] === "ota" && parts.length >= 3) return `ota/${parts[1]}/+`;
  if (parts[0] === "coord" && (parts[1] === "presence" || (parts[1] === "cnet" && parts[2] === "to"))) return parts.slice(0, parts[1] === "presence" ? 2 : 3).join("/") + "/+";
  return rel;
}
