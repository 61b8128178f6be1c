// The device side of a transfer: pulls the chunks it lacks, a window at a time, checks each
// chunk's SHA-256 and then the whole image's, and re-asks after silence. Loss, duplicates
// and reordering only cost time; progress can be saved and handed to a new Downloader.
import { OtaError } from "./errors.ts";
import { equalBytes, sha256 } from "./bundle.ts";
import { decodeChunk, encodeChunkRequest } from "./messages.ts";
import { otaTopics } from "./topics.ts";
import { realTimers, type OtaTransport, type Timers, type Unsubscribe } from "./transport.ts";

export interface DownloadSpec {
  readonly bundle: string;
  readonly size: number;
  readonly sha256: Uint8Array;
  readonly chunk: number;
}

export interface DownloadOptions {
  /** Chunks asked for at once. */
  readonly window?: number;
  /** Silence after which missing chunks are asked for again. */
  readonly retryMs?: number;
  /** Silent periods in a row before giving up. */
  readonly maxRetries?: number;
  readonly timers?: Timers;
  /** Progress saved by an earlier Downloader for the same bundle. */
  readonly resume?: DownloadProgress;
  readonly onProgress?: (received: number, total: number) => void;
  /** Called with each new, checked chunk before it counts as received (e.g. to write it to flash). */
  readonly onChunk?: (index: number, data: Uint8Array) => void;
}

export interface DownloadProgress {
  readonly data: Uint8Array;
  readonly have: readonly number[];
}

export class Downloader {
  private readonly count: number;
  private readonly data: Uint8Array;
  private readonly have: Set<number>;
  private readonly inFlight = new Set<number>();
  private unsubscribe: Unsubscribe | null = null;
  private cancelTimer: (() => void) | null = null;
  private silentPeriods = 0;
  private settle: { resolve: (b: Uint8Array) => void; reject: (e: Error) => void } | null = null;
  readonly stats = { requests: 0, received: 0, duplicates: 0, badChunks: 0, bytesIn: 0 };

  constructor(
    private readonly transport: OtaTransport,
    private readonly site: string,
    private readonly device: string,
    private readonly spec: DownloadSpec,
    private readonly options: DownloadOptions = {},
  ) {
    if (spec.chunk <= 0) throw new RangeError(`chunk size must be positive, got ${spec.chunk}`);
    this.count = Math.ceil(spec.size / spec.chunk);
    const r = options.resume;
    this.data = r && r.data.length === spec.size ? new Uint8Array(r.data) : new Uint8Array(spec.size);
    this.have = new Set(r && r.data.length === spec.size ? r.have.filter((i) => i < this.count) : []);
  }

  progress(): DownloadProgress {
    return { data: new Uint8Array(this.data), have: [...this.have] };
  }

  run(): Promise<Uint8Array> {
    return new Promise<Uint8Array>((resolve, reject) => {
      this.settle = { resolve, reject };
      const topics = otaTopics(this.site);
      this.transport
        .subscribe(topics.chunk(this.device), (_t, payload) => this.onChunk(payload))
        .then((u) => {
          this.unsubscribe = u;
          if (!this.settle) return void u().catch(() => undefined);
          if (this.have.size === this.count) this.finish();
          else this.ask();
        }, (e: Error) => this.fail(new OtaError("transfer-failed", `subscribe failed: ${e.message}`)));
    });
  }

  /** Stops without settling the promise's outcome as success (a power cut or a new job). */
  abort(reason = "aborted"): void {
    this.fail(new OtaError("transfer-failed", reason));
  }

  private ask(): void {
    const want: number[] = [];
    for (let i = 0; i < this.count && this.inFlight.size + want.length < (this.options.window ?? 8); i++)
      if (!this.have.has(i) && !this.inFlight.has(i)) want.push(i);
    if (want.length > 0) {
      for (const i of want) this.inFlight.add(i);
      this.stats.requests++;
      this.transport
        .publish(otaTopics(this.site).get(this.device), encodeChunkRequest({ bundle: this.spec.bundle, chunks: want }), { qos: 1 })
        .catch(() => undefined); // a lost request is asked again after retryMs
    }
    this.armTimer();
  }

  private armTimer(): void {
    this.cancelTimer?.();
    const timers = this.options.timers ?? realTimers;
    this.cancelTimer = timers.after(this.options.retryMs ?? 200, () => {
      this.silentPeriods++;
      if (this.silentPeriods > (this.options.maxRetries ?? 50)) {
        this.fail(new OtaError("transfer-failed", `no chunk for ${this.silentPeriods} retry periods; have ${this.have.size}/${this.count}`));
        return;
      }
      this.inFlight.clear(); // whatever was asked for is presumed lost
      this.ask();
    });
  }

  private onChunk(payload: Uint8Array): void {
    if (!this.settle) return;
    let c;
    try {
      c = decodeChunk(payload);
    } catch {
      this.stats.badChunks++; // garbled on the way: it will be asked for again
      return;
    }
    if (c.bundle !== this.spec.bundle || c.index >= this.count) return;
    const expected = Math.min(this.spec.chunk, this.spec.size - c.index * this.spec.chunk);
    if (c.data.length !== expected || !equalBytes(sha256(c.data), c.hash)) {
      this.stats.badChunks++;
      this.inFlight.delete(c.index);
      return;
    }
    if (this.have.has(c.index)) {
      this.stats.duplicates++;
      return;
    }
    try {
      this.options.onChunk?.(c.index, c.data);
    } catch (e) {
      this.fail(e as Error); // storage failed (or the power did): the run ends with that error
      return;
    }
    this.data.set(c.data, c.index * this.spec.chunk);
    this.have.add(c.index);
    this.inFlight.delete(c.index);
    this.stats.received++;
    this.stats.bytesIn += payload.length;
    this.silentPeriods = 0;
    this.options.onProgress?.(this.have.size, this.count);
    if (this.have.size === this.count) this.finish();
    else this.ask();
  }

  private finish(): void {
    if (!equalBytes(sha256(this.data), this.spec.sha256)) {
      // Every chunk matched its own hash, so the server holds other bytes than the job names.
      this.fail(new OtaError("corrupted", `image SHA-256 does not match the job's (bundle ${this.spec.bundle}, ${this.spec.size} bytes)`));
      return;
    }
    const s = this.settle;
    this.cleanup();
    s?.resolve(this.data);
  }

  private fail(e: Error): void {
    const s = this.settle;
    this.cleanup();
    s?.reject(e);
  }

  private cleanup(): void {
    this.settle = null;
    this.cancelTimer?.();
    this.cancelTimer = null;
    this.unsubscribe?.().catch(() => undefined); // the link may already be gone
    this.unsubscribe = null;
  }
}
