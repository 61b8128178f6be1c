// The rollout controller. Everything it must remember lives on the broker as retained
// messages (the plan and its progress, the bundle, each device's status), so a controller
// started again with the rollout's id reads them back and carries on.
import { decode, encode, isBytes, isRecord } from "./cbor.ts";
import { ChunkServer, DEFAULT_CHUNK_SIZE, bundleId } from "./chunk-server.ts";
import { readBundle, sha256 } from "./bundle.ts";
import { FINAL_PHASES, decodeDevice, decodeStatus, encodeJob, type DeviceMessage, type Phase, type StatusMessage } from "./messages.ts";
import { planWaves, selectDevices } from "./plan.ts";
import { lastLevel, otaTopics } from "./topics.ts";
import { realTimers, type OtaTransport, type Timers, type Unsubscribe } from "./transport.ts";

export type RolloutState = "running" | "halted" | "done" | "rolled-back";

/** The retained record on rollout/<id>. */
export interface RolloutRecord {
  readonly id: string;
  readonly agent: string;
  readonly version: string;
  readonly bundle: string;
  readonly size: number;
  readonly sha256: Uint8Array;
  readonly chunk: number;
  readonly target: string;
  readonly canaryPercent: number;
  readonly haltOnPercent: number;
  readonly waves: readonly (readonly string[])[];
  /** Waves fully finished. */
  readonly wavesDone: number;
  /** Failures before this wave index are accepted (set by resume). */
  readonly countFrom: number;
  readonly state: RolloutState;
  readonly reason?: string;
}

export interface RolloutOptions {
  readonly target: string;
  readonly canaryPercent: number;
  readonly haltOnPercent: number;
  readonly waves?: number;
  readonly chunk?: number;
  readonly id?: string;
}

export interface ControllerOptions {
  readonly timers?: Timers;
  /** A wave's devices that have not finished after this long count as failed. */
  readonly waveTimeoutMs?: number;
  /** Quiet time that ends the reading of retained messages. */
  readonly settleMs?: number;
}

export interface RolloutProgress {
  readonly record: RolloutRecord;
  readonly statuses: ReadonlyMap<string, StatusMessage>;
  /** Devices that timed out in a finished wave. */
  readonly timedOut: ReadonlySet<string>;
}

const FAILED: readonly Phase[] = ["rolled-back", "refused"];

export class RolloutController {
  private record: RolloutRecord;
  private readonly statuses = new Map<string, StatusMessage>();
  private readonly timedOut = new Set<string>();
  private readonly server: ChunkServer;
  private unsubscribe: Unsubscribe | null = null;
  private wake: (() => void) | null = null;
  private stopped = false;
  onProgress: ((p: RolloutProgress) => void) | null = null;

  private constructor(
    private readonly transport: OtaTransport,
    private readonly site: string,
    record: RolloutRecord,
    bundle: Uint8Array,
    private readonly options: ControllerOptions,
  ) {
    this.record = record;
    this.server = new ChunkServer(transport, site);
    this.server.add(bundle, record.chunk);
  }

  /** Reads the retained device records (groups, versions) of a site. */
  static async devices(transport: OtaTransport, site: string, settleMs = 300): Promise<Map<string, DeviceMessage>> {
    const out = new Map<string, DeviceMessage>();
    await readRetained(transport, otaTopics(site).deviceAll, settleMs, (_t, p) => {
      try {
        const d = decodeDevice(p);
        out.set(d.device, d);
      } catch {
        /* a foreign message on our topic: not a device */
      }
    });
    return out;
  }

  /** Reads the retained rollout records of a site. */
  static async rollouts(transport: OtaTransport, site: string, settleMs = 300): Promise<RolloutRecord[]> {
    const out: RolloutRecord[] = [];
    await readRetained(transport, otaTopics(site).rolloutAll, settleMs, (t, p) => {
      const r = decodeRecord(p, t);
      if (r) out.push(r);
    });
    return out;
  }

  /** Plans a new rollout of `bundle` and stores it (and the bundle) retained on the broker. */
  static async create(transport: OtaTransport, site: string, bundle: Uint8Array, o: RolloutOptions, c: ControllerOptions = {}): Promise<RolloutController> {
    const b = readBundle(bundle);
    const known = await RolloutController.devices(transport, site, c.settleMs);
    const targets = selectDevices(o.target, known).filter((d) => known.get(d)?.agents[b.manifest.name] !== undefined);
    if (targets.length === 0) throw new Error(`no device of site ${site} matches ${o.target} and runs agent "${b.manifest.name}" (${known.size} devices known)`);
    const id = o.id ?? `${b.manifest.name}-${b.manifest.version}-${bundleId(bundle).slice(0, 6)}`;
    const record: RolloutRecord = {
      id,
      agent: b.manifest.name,
      version: b.manifest.version,
      bundle: bundleId(bundle),
      size: bundle.length,
      sha256: sha256(bundle),
      chunk: o.chunk ?? DEFAULT_CHUNK_SIZE,
      target: o.target,
      canaryPercent: o.canaryPercent,
      haltOnPercent: o.haltOnPercent,
      waves: planWaves(targets, { canaryPercent: o.canaryPercent, waves: o.waves ?? 3 }),
      wavesDone: 0,
      countFrom: 0,
      state: "running",
    };
    await transport.publish(otaTopics(site).bundle(record.bundle), bundle, { qos: 1, retain: true });
    const ctl = new RolloutController(transport, site, record, bundle, c);
    await ctl.save();
    return ctl;
  }

  /** Picks up a rollout from what the broker retained. */
  static async open(transport: OtaTransport, site: string, id: string, c: ControllerOptions = {}): Promise<RolloutController> {
    const t = otaTopics(site);
    let record: RolloutRecord | null = null;
    await readRetained(transport, t.rollout(id), c.settleMs ?? 300, (topic, p) => (record = decodeRecord(p, topic) ?? record));
    if (!record) throw new Error(`no rollout "${id}" retained for site ${site}`);
    const r: RolloutRecord = record;
    let bundle: Uint8Array | null = null;
    await readRetained(transport, t.bundle(r.bundle), c.settleMs ?? 300, (_t, p) => (bundle = p));
    if (!bundle || bundleId(bundle) !== r.bundle) throw new Error(`rollout "${id}": its bundle ${r.bundle} is no longer retained on the broker`);
    return new RolloutController(transport, site, r, bundle, c);
  }

  get state(): RolloutRecord {
    return this.record;
  }

  /** Reads the devices' retained statuses without acting. */
  async loadStatuses(): Promise<void> {
    await readRetained(this.transport, otaTopics(this.site).statusAll, this.options.settleMs ?? 300, (t, p) => {
      try {
        const s = decodeStatus(p);
        if (s.device === lastLevel(t)) this.statuses.set(s.device, s);
      } catch {
        /* not a status */
      }
    });
  }

  progress(): RolloutProgress {
    return { record: this.record, statuses: this.statuses, timedOut: this.timedOut };
  }

  /** Runs waves until the rollout is done or halts. */
  async run(): Promise<RolloutRecord> {
    this.stopped = false;
    await this.attach();
    try {
      while (!this.stopped && this.record.state === "running" && this.record.wavesDone < this.record.waves.length) {
        const wave = this.record.waves[this.record.wavesDone]!;
        await this.sendJobs(wave, "install");
        await this.waitFinal(wave, (s) => s.rollout === this.record.id && FINAL_PHASES.includes(s.phase));
        if (this.stopped) break;
        const failed = this.failureRate();
        const wavesDone = this.record.wavesDone + 1;
        if (failed.rate * 100 > this.record.haltOnPercent) {
          await this.update({ wavesDone, state: "halted", reason: `${failed.failed} of ${failed.counted} devices failed (${(failed.rate * 100).toFixed(1)}% > ${this.record.haltOnPercent}%) after wave ${wavesDone}/${this.record.waves.length}` });
        } else await this.update({ wavesDone, state: wavesDone === this.record.waves.length ? "done" : "running" });
      }
      return this.record;
    } finally {
      await this.detach();
    }
  }

  /** Stops watching, as if the process ended: the rollout stays as retained, to be opened again. */
  stop(): void {
    this.stopped = true;
    this.wake?.();
  }

  /** The operator's halt: the retained record says halted, and the controller running the waves (watching its record) stops. */
  async halt(reason = "halted by operator"): Promise<RolloutRecord> {
    if (this.record.state !== "running") throw new Error(`rollout "${this.record.id}" is ${this.record.state}, not running`);
    await this.update({ state: "halted", reason });
    this.stop();
    return this.record;
  }

  /** Continues a halted rollout; failures so far are accepted. */
  async resume(): Promise<RolloutRecord> {
    if (this.record.state !== "halted") throw new Error(`rollout "${this.record.id}" is ${this.record.state}, not halted`);
    await this.update({ state: "running", countFrom: this.record.wavesDone, reason: undefined });
    return this.run();
  }

  /** Sends every device that got this rollout back to its previous version. */
  async rollback(): Promise<RolloutRecord> {
    // a new action: a stop() that ended the waves does not cut the rollback short
    this.stopped = false;
    await this.attach();
    try {
      const touched = this.record.waves.slice(0, Math.min(this.record.waves.length, this.record.wavesDone + 1)).flat();
      await this.update({ state: "rolled-back", reason: "rolled back by operator" });
      await this.sendJobs(touched, "rollback");
      await this.waitFinal(touched, (s) => s.rollout === this.record.id && s.phase !== "committed" && FINAL_PHASES.includes(s.phase) && s.running !== this.record.version);
      return this.record;
    } finally {
      await this.detach();
    }
  }

  failureRate(): { failed: number; counted: number; rate: number } {
    const devices = this.record.waves.slice(this.record.countFrom, this.record.wavesDone + 1).flat();
    const failed = devices.filter((d) => this.timedOut.has(d) || FAILED.includes(this.mine(d)?.phase ?? "idle")).length;
    return { failed, counted: devices.length, rate: devices.length ? failed / devices.length : 0 };
  }

  private mine(device: string): StatusMessage | undefined {
    const s = this.statuses.get(device);
    return s && s.rollout === this.record.id ? s : undefined;
  }

  private async attach(): Promise<void> {
    if (this.unsubscribe) return;
    await this.server.start();
    // another controller (an operator's halt or rollback) may end this rollout: follow its record
    const unRecord = await this.transport.subscribe(otaTopics(this.site).rollout(this.record.id), (topic, payload) => {
      const r = payload.length ? decodeRecord(payload, topic) : null;
      if (!r || this.record.state !== "running" || (r.state !== "halted" && r.state !== "rolled-back")) return;
      this.record = r;
      this.stop();
      this.emit();
    });
    this.unsubscribe = await this.transport.subscribe(otaTopics(this.site).statusAll, (topic, payload) => {
      try {
        const s = decodeStatus(payload);
        if (s.device !== lastLevel(topic)) return;
        this.statuses.set(s.device, s);
      } catch {
        return;
      }
      this.emit();
      this.wake?.();
    });
    const unStatus = this.unsubscribe;
    this.unsubscribe = async () => {
      await unStatus();
      await unRecord();
    };
  }

  private async detach(): Promise<void> {
    await this.unsubscribe?.();
    this.unsubscribe = null;
    await this.server.stop();
  }

  private async sendJobs(devices: readonly string[], op: "install" | "rollback"): Promise<void> {
    const r = this.record;
    const job = op === "install"
      ? encodeJob({ op, rollout: r.id, agent: r.agent, version: r.version, bundle: r.bundle, size: r.size, sha256: r.sha256, chunk: r.chunk })
      : encodeJob({ op, rollout: r.id, agent: r.agent, version: r.version });
    for (const d of devices) await this.transport.publish(otaTopics(this.site).job(d), job, { qos: 1, retain: true });
  }

  private async waitFinal(devices: readonly string[], isFinal: (s: StatusMessage) => boolean): Promise<void> {
    const timers = this.options.timers ?? realTimers;
    const deadline = timers.now() + (this.options.waveTimeoutMs ?? 120_000);
    for (;;) {
      const pending = devices.filter((d) => {
        const s = this.statuses.get(d);
        return !(s && isFinal(s));
      });
      if (pending.length === 0 || this.stopped) return;
      const left = deadline - timers.now();
      if (left <= 0) {
        for (const d of pending) this.timedOut.add(d);
        this.emit();
        return;
      }
      await new Promise<void>((resolve) => {
        const cancel = timers.after(Math.min(left, 1000), () => {
          this.wake = null;
          resolve();
        });
        this.wake = () => {
          cancel();
          this.wake = null;
          resolve();
        };
      });
    }
  }

  private emit(): void {
    this.onProgress?.(this.progress());
  }

  private async update(change: Partial<RolloutRecord>): Promise<void> {
    this.record = { ...this.record, ...change };
    await this.save();
    this.emit();
  }

  private save(): Promise<void> {
    const { reason, ...rest } = this.record;
    return this.transport.publish(otaTopics(this.site).rollout(this.record.id), encode(reason === undefined ? rest : this.record), { qos: 1, retain: true });
  }
}

/** Collects retained messages on `filter` until nothing arrives for `settleMs`. */
async function readRetained(transport: OtaTransport, filter: string, settleMs: number, on: (topic: string, payload: Uint8Array) => void): Promise<void> {
  let timer: NodeJS.Timeout | null = null;
  let done: () => void = () => undefined;
  const finished = new Promise<void>((r) => (done = r));
  const arm = (): void => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(done, settleMs);
  };
  const unsub = await transport.subscribe(filter, (t, p) => {
    if (p.length > 0) on(t, p);
    arm();
  });
  arm();
  await finished;
  await unsub();
}

function decodeRecord(p: Uint8Array, topic: string): RolloutRecord | null {
  let v: unknown;
  try {
    v = decode(p);
  } catch {
    return null;
  }
  if (!isRecord(v) || typeof v.id !== "string" || v.id !== lastLevel(topic) || !isBytes(v.sha256) || !Array.isArray(v.waves)) return null;
  return v as unknown as RolloutRecord;
}
