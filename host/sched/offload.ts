// Offload over the bus: the requester publishes { id, model, input } to the peer's offload topic;
// the peer runs the real model on its units (its model service: NPU where it covers an operator)
// and answers { id, output, unit } or { id, error } on the requester's result topic. Results are
// the bytes the peer's core computed, so they are bit-exact with a local run of the same model.
import { cborDecode, cborEncode, siteTopic, type Transport, type Unsubscribe } from "../net/index.ts";
import { ModelError, type ModelService } from "../tinyml/index.ts";

export interface OffloadRequestBody {
  id: string;
  from: string;
  model: string;
  input: Uint8Array;
}

export type OffloadReplyBody = { id: string; output: Uint8Array; unit: string; computeUs: number } | { id: string; error: string };

export class OffloadError extends Error {}

export const offloadTopic = (site: string, peer: string): string => siteTopic(site, `sched/offload/${peer}`);
export const resultTopic = (site: string, device: string): string => siteTopic(site, `sched/result/${device}`);

function checkRequest(v: unknown): OffloadRequestBody {
  const r = v as Partial<OffloadRequestBody> | null;
  if (!r || typeof r !== "object") throw new OffloadError("offload request is not a CBOR map");
  if (typeof r.id !== "string" || typeof r.from !== "string" || typeof r.model !== "string") throw new OffloadError("offload request needs string id, from and model");
  if (!(r.input instanceof Uint8Array)) throw new OffloadError(`offload request ${r.id}: input is not a byte string`);
  return r as OffloadRequestBody;
}

/** The peer side: answers offload requests with its model service. */
export class OffloadServer {
  private unsub?: Unsubscribe;
  served = 0;
  refused = 0;

  constructor(
    private readonly transport: Transport,
    private readonly site: string,
    private readonly models: ModelService,
  ) {}

  async start(): Promise<void> {
    this.unsub = await this.transport.subscribe(offloadTopic(this.site, this.transport.name), (_t, payload) => void this.handle(payload));
  }

  async stop(): Promise<void> {
    await this.unsub?.();
  }

  private async handle(payload: Uint8Array): Promise<void> {
    let req: OffloadRequestBody;
    try {
      req = checkRequest(cborDecode(payload));
    } catch {
      this.refused++; // no id to answer to: a malformed request is dropped and counted
      return;
    }
    let reply: OffloadReplyBody;
    try {
      const m = this.models.model(req.model);
      const out = new Uint8Array(m.summary.output.bytes);
      const t0 = performance.now();
      const r = this.models.invoke(req.model, req.input, out);
      reply = { id: req.id, output: out, unit: r.unit, computeUs: Math.round((performance.now() - t0) * 1000) };
      this.served++;
    } catch (err) {
      if (!(err instanceof ModelError)) throw err;
      this.refused++;
      reply = { id: req.id, error: err.message };
    }
    await this.transport.publish(resultTopic(this.site, req.from), cborEncode(reply), { qos: 1 });
  }
}

export interface OffloadResult {
  output: Uint8Array;
  unit: string;
  /** Round trip as the requester saw it, and the part the peer spent computing, µs. */
  roundTripUs: number;
  computeUs: number;
}

/** The requester side: one outstanding map of requests, answered on its result topic. */
export class OffloadClient {
  private pending = new Map<string, { resolve: (r: OffloadResult) => void; reject: (e: Error) => void; t0: number; timer: NodeJS.Timeout }>();
  private unsub?: Unsubscribe;
  private seq = 0;

  constructor(
    private readonly transport: Transport,
    private readonly site: string,
  ) {}

  async start(): Promise<void> {
    this.unsub = await this.transport.subscribe(resultTopic(this.site, this.transport.name), (_t, payload) => this.answer(payload));
  }

  async stop(): Promise<void> {
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      p.reject(new OffloadError("offload client stopped"));
    }
    this.pending.clear();
    await this.unsub?.();
  }

  /** Runs `model` on `peer`; rejects with OffloadError on the peer's refusal or after `timeoutMs`. */
  run(peer: string, model: string, input: Uint8Array, timeoutMs = 5000): Promise<OffloadResult> {
    const id = `${this.transport.name}-${++this.seq}`;
    const body: OffloadRequestBody = { id, from: this.transport.name, model, input };
    return new Promise<OffloadResult>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new OffloadError(`offload ${id} of "${model}" to ${peer}: no answer in ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, { resolve, reject, t0: performance.now(), timer });
      this.transport.publish(offloadTopic(this.site, peer), cborEncode(body), { qos: 1 }).catch((e: Error) => {
        clearTimeout(timer);
        this.pending.delete(id);
        reject(new OffloadError(`offload ${id} to ${peer}: ${e.message}`));
      });
    });
  }

  private answer(payload: Uint8Array): void {
    const r = cborDecode(payload) as OffloadReplyBody;
    const p = r && typeof r.id === "string" ? this.pending.get(r.id) : undefined;
    if (!p) return; // late answer after a timeout, or not ours
    this.pending.delete(r.id);
    clearTimeout(p.timer);
    if ("error" in r) p.reject(new OffloadError(`peer refused offload ${r.id}: ${r.error}`));
    else p.resolve({ output: new Uint8Array(r.output), unit: r.unit, roundTripUs: Math.round((performance.now() - p.t0) * 1000), computeUs: r.computeUs });
  }
}
