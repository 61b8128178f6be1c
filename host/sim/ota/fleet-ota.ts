// A staged rollout inside a simulation: every device that runs the scenario's OTA agent
// gets two flash slots (host/ota AgentSlots over its kernel) and an OtaDevice with its own
// MQTT connection to the run's broker; a RolloutController pushes the release with its
// canary and waves, halts on failures, and rolls back when the operator says so. The same
// code and the same retained topics as `colony ota push` against real devices.
import { createHash } from "node:crypto";
import mqtt, { type MqttClient } from "mqtt";
import type { Clock, Device, Manifest, TraceEvent } from "../../kernel/index.ts";
import {
  AgentSlots,
  OtaDevice,
  RolloutController,
  SimFlash,
  buildBundle,
  decodeStatus,
  mqttTransport,
  otaTopics,
  publisherKeyFromSeed,
  slotAreaSize,
  type OtaTransport,
  type RolloutRecord,
  type SlotPolicy,
  type StatusMessage,
} from "../../ota/index.ts";
import { KernelRuntime } from "./kernel-runtime.ts";
import type { OtaSpec } from "./spec.ts";

export interface OtaParticipant {
  id: string;
  board: string;
  device: Device;
  wasm: Uint8Array;
  manifest: Manifest;
  /** preset state (config) of the agent on this device */
  preset: ReadonlyMap<string, Uint8Array>;
}

export interface OtaDeviceResult {
  id: string;
  board: string;
  /** the version running at the end */
  running: string | null;
  phase: string;
  reason?: string;
  detail?: string;
}

export interface OtaResult {
  agent: string;
  from: string;
  to: string;
  rollout?: { id: string; state: string; reason?: string; waves: string[][]; wavesDone: number };
  /** every state the rollout went through, with when */
  history: { t: number; state: string; wavesDone: number; reason?: string }[];
  devices: OtaDeviceResult[];
  /** what went wrong in the rollout machinery itself (not a device's failure) */
  error?: string;
}

export interface FleetOta {
  /** Waits (at most `waitMs`) for what is under way, stops every connection, and tells what happened. */
  finish(waitMs: number): Promise<OtaResult>;
}

type Trace = (e: Omit<TraceEvent, "t">) => void;

const CONTROLLER = "ota-controller";

/** The seed of a simulated site's publisher key (the same for a run's seed): `keyFileText` of it is the key file for `colony dashboard --key`. */
export const simPublisherSeed = (site: string, seed: number): Uint8Array => new Uint8Array(createHash("sha256").update(`colony-sim-ota/${site}/${seed}`).digest().subarray(0, 32));

export async function startFleetOta(o: { spec: OtaSpec; site: string; seed: number; brokerUrl: string; clock: Clock; trace: Trace; participants: OtaParticipant[]; allowUpdate?: SlotPolicy["allowUpdate"] }): Promise<FleetOta> {
  const { spec, site, clock, trace } = o;
  if (o.participants.length === 0) throw new Error(`ota: no device runs agent "${spec.agent}"`);
  const first = o.participants[0]!;
  // the site's publisher key, the same for a seed: a run can be repeated byte for byte
  const key = publisherKeyFromSeed(simPublisherSeed(site, o.seed));
  const asJson = (m: Manifest): Record<string, unknown> => JSON.parse(JSON.stringify(m)) as Record<string, unknown>;
  const more = (had: string[], add: string[]): string[] => [...had, ...add.filter((x) => !had.includes(x))];
  const release = {
    ...asJson(first.manifest),
    version: spec.version,
    resources: { ...first.manifest.resources, ...spec.resources },
    capabilities: more(first.manifest.capabilities, spec.grants.capabilities),
    publish: more(first.manifest.publish, spec.grants.publish),
    subscribe: more(first.manifest.subscribe, spec.grants.subscribe),
  };
  const v2 = buildBundle(release, first.wasm, key);
  const tag = `${process.pid}-${Date.now() % 1e6}`;
  const clients: MqttClient[] = [];
  const connect = async (name: string): Promise<OtaTransport> => {
    const c = await mqtt.connectAsync(o.brokerUrl, { clientId: `${name}-${tag}`, reconnectPeriod: 250, log: () => undefined });
    clients.push(c);
    return mqttTransport(c);
  };
  const control = await connect(CONTROLLER);
  const t = otaTopics(site);
  // An external broker may hold jobs and statuses of an earlier run: clear this fleet's.
  for (const p of o.participants) for (const topic of [t.job(p.id), t.status(p.id)]) await control.publish(topic, new Uint8Array(0), { qos: 1, retain: true });

  const slots = new Map<string, AgentSlots>();
  const devices: OtaDevice[] = [];
  for (const p of o.participants) {
    const v1 = buildBundle(asJson(p.manifest), p.wasm, key);
    const slotSize = Math.ceil((Math.max(v1.length, v2.length) + 1024) / 4096) * 4096;
    const layout = { offset: 0, slotSize, stateSize: 4096 };
    const s = new AgentSlots(new SimFlash(slotAreaSize(layout)), layout, new KernelRuntime(p.device, clock, spec.healthMs, p.preset), { trustedKeys: [key.publicKey], abi: [p.manifest.abi], ...(o.allowUpdate ? { allowUpdate: o.allowUpdate } : {}) });
    await s.provision(v1);
    slots.set(p.id, s);
    const dev = new OtaDevice({ transport: await connect(`ota-${p.id}`), site, device: p.id, groups: [p.board], agents: new Map([[spec.agent, s]]), download: { retryMs: 300 } });
    await dev.start();
    devices.push(dev);
  }

  // Every device's status as it changes phase, on the timeline.
  const last = new Map<string, StatusMessage>();
  await control.subscribe(t.statusAll, (_topic, payload) => {
    if (payload.length === 0) return;
    let s: StatusMessage;
    try {
      s = decodeStatus(payload);
    } catch {
      return;
    }
    const before = last.get(s.device);
    last.set(s.device, s);
    if (before && before.phase === s.phase && before.rollout === s.rollout) return;
    const why = s.reason ? ` (${s.reason}${s.detail ? `: ${s.detail}` : ""})` : "";
    trace({ device: s.device, agent: s.agent, type: "ota", text: `${s.phase} ${s.phase === "committed" || s.phase === "rolled-back" || s.phase === "refused" ? `- runs ${s.running || "nothing"}` : s.target}${why}`, data: { ...s } });
  });

  const result: OtaResult = { agent: spec.agent, from: first.manifest.version, to: spec.version, history: [], devices: [] };
  let controller: RolloutController | undefined;
  const record = (r: RolloutRecord): void => {
    const h = result.history[result.history.length - 1];
    if (h && h.state === r.state && h.wavesDone === r.wavesDone) return;
    result.history.push({ t: clock.now(), state: r.state, wavesDone: r.wavesDone, ...(r.reason ? { reason: r.reason } : {}) });
    trace({ device: CONTROLLER, type: "ota", text: `rollout ${r.id}: ${r.state}, ${r.wavesDone}/${r.waves.length} waves${r.reason ? ` - ${r.reason}` : ""}`, data: { rollout: r.id, state: r.state, wavesDone: r.wavesDone, waves: r.waves } });
  };
  const failed = (what: string) => (e: unknown) => {
    result.error = `${what}: ${(e as Error).message}`;
    trace({ device: CONTROLLER, type: "ota", text: result.error });
  };
  let running: Promise<unknown> = Promise.resolve();
  let wavesRunning = false;
  const later = (atMs: number, fn: () => Promise<unknown>): void => {
    clock.after(Math.max(0, atMs - clock.now()), () => {
      running = running.then(fn);
    });
  };
  later(spec.atMs, async () => {
    try {
      controller = await RolloutController.create(control, site, v2, { target: spec.target, canaryPercent: spec.canaryPercent, haltOnPercent: spec.haltOnPercent, waves: spec.waves }, { settleMs: 200, waveTimeoutMs: Math.max(10_000, 10 * spec.healthMs) });
      const ctl = controller;
      trace({ device: CONTROLLER, type: "ota", text: `push ${spec.agent} ${result.from} -> ${spec.version} to ${spec.target}: canary ${spec.canaryPercent}%, halt on ${spec.haltOnPercent}%, waves ${ctl.state.waves.map((w) => w.length).join(" + ")} devices` });
      record(ctl.state);
      ctl.onProgress = (p) => record(p.record);
      // the waves run on while later steps (a rollback) wait their turn
      wavesRunning = true;
      const waves = ctl.run().then(record, failed("rollout")).finally(() => (wavesRunning = false));
      running = running.then(() => waves);
    } catch (e) {
      failed("push")(e);
    }
  });
  if (spec.rollbackAtMs !== undefined)
    clock.after(Math.max(0, spec.rollbackAtMs - clock.now()), () => {
      // the operator does not wait for a wave to end: the waves stop, then the rollback runs
      if (wavesRunning) controller?.stop();
      running = running.then(async () => {
        if (!controller) return failed("rollback")(new Error("no rollout was pushed"));
        trace({ device: CONTROLLER, type: "ota", text: `operator rolls ${controller.state.id} back` });
        try {
          record(await controller.rollback());
        } catch (e) {
          failed("rollback")(e);
        }
      });
    });

  return {
    async finish(waitMs: number): Promise<OtaResult> {
      await Promise.race([running, new Promise((r) => setTimeout(r, waitMs))]);
      controller?.stop();
      if (controller) {
        const r = controller.state;
        result.rollout = { id: r.id, state: r.state, ...(r.reason ? { reason: r.reason } : {}), waves: r.waves.map((w) => [...w]), wavesDone: r.wavesDone };
      }
      result.devices = o.participants.map((p) => {
        const s = last.get(p.id);
        return { id: p.id, board: p.board, running: slots.get(p.id)!.version, phase: s?.phase ?? "idle", ...(s?.reason ? { reason: s.reason } : {}), ...(s?.detail ? { detail: s.detail } : {}) };
      });
      for (const d of devices) await d.stop().catch(() => undefined);
      await Promise.all(clients.map((c) => c.endAsync(true).catch(() => undefined)));
      return result;
    },
  };
}
