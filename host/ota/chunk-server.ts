// Serves bundles in chunks to whoever asks on get/<device>. Stateless per device: a device
// asks for the chunks it lacks, so a broken link or a reboot just means asking again.
import { hex } from "./keys.ts";
import { sha256 } from "./bundle.ts";
import { decodeChunkRequest, encodeChunk } from "./messages.ts";
import { lastLevel, otaTopics } from "./topics.ts";
import type { OtaTransport, Unsubscribe } from "./transport.ts";

export const DEFAULT_CHUNK_SIZE = 512;

/** A bundle's id on the wire: the first 16 hex digits of its SHA-256. */
export function bundleId(bundle: Uint8Array): string {
  return hex(sha256(bundle)).slice(0, 16);
}

export class ChunkServer {
  private readonly bundles = new Map<string, { bytes: Uint8Array; chunk: number }>();
  private unsubscribe: Unsubscribe | null = null;
  chunksSent = 0;
  bytesSent = 0;

  constructor(
    private readonly transport: OtaTransport,
    private readonly site: string,
  ) {}

  async start(): Promise<void> {
    const t = otaTopics(this.site);
    this.unsubscribe = await this.transport.subscribe(t.getAll, (topic, payload) => {
      let req;
      try {
        req = decodeChunkRequest(payload);
      } catch {
        return; // a malformed request gets nothing; the device retries or gives up
      }
      this.serve(lastLevel(topic), req.bundle, req.chunks).catch(() => undefined); // the device asks again
    });
  }

  async stop(): Promise<void> {
    await this.unsubscribe?.();
    this.unsubscribe = null;
  }

  add(bytes: Uint8Array, chunk = DEFAULT_CHUNK_SIZE): string {
    const id = bundleId(bytes);
    this.bundles.set(id, { bytes, chunk });
    return id;
  }

  private async serve(device: string, id: string, chunks: readonly number[]): Promise<void> {
    const b = this.bundles.get(id);
    if (!b) return;
    const topic = otaTopics(this.site).chunk(device);
    const count = Math.ceil(b.bytes.length / b.chunk);
    for (const index of chunks) {
      if (index >= count) continue;
      const data = b.bytes.subarray(index * b.chunk, Math.min(b.bytes.length, (index + 1) * b.chunk));
      const msg = encodeChunk({ bundle: id, index, data, hash: sha256(data) });
      this.chunksSent++;
      this.bytesSent += msg.length;
      await this.transport.publish(topic, msg, { qos: 1 });
    }
  }
}
