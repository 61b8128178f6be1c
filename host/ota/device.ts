// A device's OTA agent: follows the retained job on job/<device>, pulls the bundle, lets
// AgentSlots verify, install, health-check and commit or roll back, and reports each step
// as a retained status so a controller (or a restarted one) sees where it stands.
import { OtaError, type Refusal } from "./errors.ts";
import { Downloader, type DownloadOptions, type DownloadProgress } from "./downloader.ts";
import { decodeJob, encodeDevice, encodeStatus, type JobMessage, type Phase, type StatusMessage } from "./messages.ts";
import { otaTopics } from "./topics.ts";
import { realTimers, type MessageHandler, type OtaTransport, type Timers, type Unsubscribe } from "./transport.ts";
import type { AgentSlots } from "./slots.ts";
import { compareSemVer } from "./semver.ts";
import { PowerCut } from "./flash.ts";

export interface OtaDeviceOptions {
  readonly transport: OtaTransport;
  readonly site: string;
  readonly device: string;
  readonly groups: readonly string[];
  /** The device's agents by name, each with its two slots. */
  readonly agents: ReadonlyMap<string, AgentSlots>;
  readonly download?: Omit<DownloadOptions, "resume" | "onProgress">;
  /** After a transfer gave up (link down too long): wait this long, then resume it. */
  readonly resumeAfterMs?: number;
  /** Transfers attempted per job before it is refused with `transfer-failed`. */
  readonly maxTransferAttempts?: number;
  readonly timers?: Timers;
}

export class OtaDevice {
  private unsubscribe: Unsubscribe | null = null;
  private unsubscribeChunks: Unsubscribe | null = null;
  /** Where chunks go: the running Downloader's handler. */
  private chunkHandler: MessageHandler | null = null;
  private queue: Promise<void> = Promise.resolve();
  /** Jobs finished since start, so a re-delivered retained job is answered, not redone. */
  private readonly finished = new Map<string, StatusMessage>();
  private downloading: Downloader | null = null;
  /** Chunks already received for a job whose transfer broke off, by rollout. */
  private readonly partial = new Map<string, { progress: DownloadProgress; attempts: number }>();
  private latest: JobMessage | null = null;
  private cancelRetry: (() => void) | null = null;
  private stopped = false;
  /** Set when the (simulated) power failed: the device does nothing more until rebuilt. */
  dead = false;

  constructor(private readonly o: OtaDeviceOptions) {}

  async start(): Promise<void> {
    await this.announce();
    const t = otaTopics(this.o.site);
    // One subscription for the device's life: no SUBSCRIBE per download (a broker scans its
    // retained messages on each), and a sleeping MQTT-SN client keeps it across naps.
    this.unsubscribeChunks = await this.o.transport.subscribe(t.chunk(this.o.device), (topic, payload) => this.chunkHandler?.(topic, payload));
    this.unsubscribe = await this.o.transport.subscribe(t.job(this.o.device), (_topic, payload) => {
      if (payload.length === 0) return; // job cleared
      let job: JobMessage;
      try {
        job = decodeJob(payload);
      } catch {
        return;
      }
      this.latest = job;
      this.enqueue(job);
    });
  }

  private enqueue(job: JobMessage): void {
    this.queue = this.queue
      .then(() => (this.dead || this.stopped ? undefined : this.handle(job)))
      .catch((e: unknown) => {
        if (e instanceof PowerCut) this.die();
      });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.cancelRetry?.();
    this.downloading?.abort("device stopping");
    await this.unsubscribe?.();
    await this.unsubscribeChunks?.();
    this.unsubscribe = null;
    this.unsubscribeChunks = null;
    await this.queue;
  }

  /** The transport a Downloader gets: its chunk subscription is served locally. */
  private downloadTransport(): OtaTransport {
    const chunkTopic = otaTopics(this.o.site).chunk(this.o.device);
    return {
      publish: (topic, payload, options) => this.o.transport.publish(topic, payload, options),
      subscribe: async (filter, handler) => {
        if (filter !== chunkTopic) return this.o.transport.subscribe(filter, handler);
        this.chunkHandler = handler;
        return async () => {
          if (this.chunkHandler === handler) this.chunkHandler = null;
        };
      },
    };
  }

  private die(): void {
    this.dead = true;
    this.cancelRetry?.();
    this.downloading?.abort("power cut");
    void this.unsubscribe?.().catch(() => undefined);
    void this.unsubscribeChunks?.().catch(() => undefined);
    this.unsubscribe = null;
    this.unsubscribeChunks = null;
  }

  /** Retained record of the device's groups and agent versions. */
  async announce(): Promise<void> {
    const agents: Record<string, string> = {};
    for (const [name, slots] of this.o.agents) agents[name] = slots.version ?? "";
    await this.o.transport.publish(otaTopics(this.o.site).device(this.o.device), encodeDevice({ device: this.o.device, groups: this.o.groups, agents }), { qos: 1, retain: true });
  }

  private async handle(job: JobMessage): Promise<void> {
    const key = `${job.rollout}/${job.op}`;
    const done = this.finished.get(key);
    if (done) return this.report(done);
    const slots = this.o.agents.get(job.agent);
    const base = { device: this.o.device, rollout: job.rollout, agent: job.agent, target: job.version };
    const status = (phase: Phase, extra: Partial<StatusMessage> = {}): StatusMessage => ({ ...base, phase, running: slots?.version ?? "", ...extra });
    let final: StatusMessage | null;
    if (!slots) final = status("refused", { reason: "wrong-agent", detail: `no agent "${job.agent}" on ${this.o.device}` });
    else if (job.op === "rollback") final = await this.rollback(job, slots, status);
    else final = await this.install(job, slots, status);
    if (!final) return; // the transfer resumes later
    this.finished.set(key, final);
    this.partial.delete(job.rollout);
    await this.report(final);
    await this.announce();
  }

  private async install(job: JobMessage, slots: AgentSlots, status: (p: Phase, e?: Partial<StatusMessage>) => StatusMessage): Promise<StatusMessage | null> {
    if (slots.version === job.version) return status("committed"); // done before a restart
    if (slots.lastRollout === job.rollout) return status("rolled-back", { reason: "health-check", detail: "this rollout was already tried and rolled back" });
    const floor = slots.floor;
    if (floor && compareSemVer(job.version, floor) <= 0)
      return status("refused", { reason: "older-version", detail: `${job.version} is not newer than ${floor}` }); // no need to download
    const total = Math.ceil(job.size! / job.chunk!);
    let lastQuarter = -1;
    await this.report(status("downloading", { received: 0, total })).catch(() => undefined); // progress only: the outcome is what must arrive
    const saved = this.partial.get(job.rollout);
    // Chunks go straight into the inactive slot, so a reboot resumes where the power failed.
    let staged;
    try {
      staged = slots.stage(job.bundle!, job.size!, job.chunk!);
    } catch (e) {
      return this.refusal(e, status);
    }
    const d = new Downloader(this.downloadTransport(), this.o.site, this.o.device, { bundle: job.bundle!, size: job.size!, sha256: job.sha256!, chunk: job.chunk! }, {
      ...this.o.download,
      resume: staged.have.length >= (saved?.progress.have.length ?? 0) ? staged : saved?.progress,
      onChunk: (index, data) => slots.stageChunk(index, data),
      onProgress: (received) => {
        const q = Math.floor((4 * received) / total);
        if (q !== lastQuarter && received < total) {
          lastQuarter = q;
          void this.report(status("downloading", { received, total })).catch(() => undefined);
        }
      },
    });
    this.downloading = d;
    let bytes: Uint8Array;
    try {
      bytes = await d.run();
    } catch (e) {
      const attempts = (saved?.attempts ?? 0) + 1;
      if (e instanceof OtaError && e.reason === "transfer-failed" && !this.dead && !this.stopped && attempts < (this.o.maxTransferAttempts ?? 20)) {
        // Keep what arrived; try again later, or at once when the job is delivered again (reconnect).
        this.partial.set(job.rollout, { progress: d.progress(), attempts });
        this.cancelRetry?.();
        this.cancelRetry = (this.o.timers ?? realTimers).after(this.o.resumeAfterMs ?? 5000, () => {
          this.cancelRetry = null;
          if (this.latest && this.latest.rollout === job.rollout && this.latest.op === job.op) this.enqueue(this.latest);
        });
        const have = d.progress().have.length;
        await this.report(status("downloading", { received: have, total, detail: `link lost at ${have}/${total} chunks; resuming` })).catch(() => undefined);
        return null;
      }
      return this.refusal(e, status);
    } finally {
      this.downloading = null;
    }
    await this.report(status("installing")).catch(() => undefined);
    try {
      const out = await slots.install(bytes, job.rollout);
      if (out.outcome === "committed") return status("committed");
      return status("rolled-back", { reason: out.reason, detail: out.detail });
    } catch (e) {
      return this.refusal(e, status);
    }
  }

  private async rollback(job: JobMessage, slots: AgentSlots, status: (p: Phase, e?: Partial<StatusMessage>) => StatusMessage): Promise<StatusMessage> {
    if (slots.version !== job.version) return status("rolled-back", { detail: `not running ${job.version}` });
    try {
      await slots.revert(job.rollout);
      return status("rolled-back", { detail: `operator rollback from ${job.version}` });
    } catch (e) {
      if (e instanceof PowerCut) throw e;
      return status("refused", { reason: "install-failed", detail: (e as Error).message });
    }
  }

  private refusal(e: unknown, status: (p: Phase, e?: Partial<StatusMessage>) => StatusMessage): StatusMessage {
    if (e instanceof PowerCut) throw e; // a dead device reports nothing
    if (e instanceof OtaError) return status("refused", { reason: e.reason, detail: e.detail }); // the reason is its own field
    return status("refused", { reason: "install-failed" as Refusal, detail: (e as Error).message });
  }

  private report(s: StatusMessage): Promise<void> {
    return this.o.transport.publish(otaTopics(this.o.site).status(this.o.device), encodeStatus(s), { qos: 1, retain: true });
  }
}
