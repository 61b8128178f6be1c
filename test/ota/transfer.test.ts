import { describe, expect, it } from "vitest";
import { startBroker } from "./broker.ts";
import { ChunkServer, Downloader, MemoryBus, OtaError, bundleId, lossyTransport, mqttTransport, seededRandom, sha256, type OtaTransport } from "../../host/ota/index.ts";

function image(n: number, seed = 1): Uint8Array {
  const r = seededRandom(seed);
  return Uint8Array.from({ length: n }, () => Math.floor(r() * 256));
}

async function fetchOver(serverSide: OtaTransport, deviceSide: OtaTransport, bytes: Uint8Array, chunk = 256, opts = {}) {
  const server = new ChunkServer(serverSide, "plant-1");
  await server.start();
  const id = server.add(bytes, chunk);
  const d = new Downloader(deviceSide, "plant-1", "dev-1", { bundle: id, size: bytes.length, sha256: sha256(bytes), chunk }, { retryMs: 15, ...opts });
  try {
    return { data: await d.run(), d, server };
  } finally {
    await server.stop();
  }
}

describe("transfer", () => {
  it("moves an image intact over a clean link", async () => {
    const bus = new MemoryBus();
    const img = image(5000);
    const { data, d } = await fetchOver(bus.client(), bus.client(), img, 256, { retryMs: 5000 });
    expect(data).toEqual(img);
    expect(d.stats.received).toBe(Math.ceil(5000 / 256));
    expect(d.stats.duplicates).toBe(0);
  });

  it("survives a link that drops, duplicates, reorders and corrupts", async () => {
    for (const seed of [1, 2, 3]) {
      const bus = new MemoryBus();
      const img = image(20_000, seed);
      const lossy = lossyTransport(bus.client(), { seed, drop: 0.2, duplicate: 0.2, reorder: 0.3, corrupt: 0.1 });
      const { data, d } = await fetchOver(bus.client(), lossy, img);
      expect(data).toEqual(img);
      expect(lossy.stats.dropped).toBeGreaterThan(0);
      expect(lossy.stats.duplicated).toBeGreaterThan(0);
      expect(lossy.stats.reordered).toBeGreaterThan(0);
      expect(lossy.stats.corrupted).toBeGreaterThan(0);
      expect(d.stats.badChunks + d.stats.duplicates).toBeGreaterThan(0);
    }
  });

  it("resumes after a broken link and after a restart, asking only for what is missing", async () => {
    const bus = new MemoryBus();
    const img = image(8192, 4);
    const server = new ChunkServer(bus.client(), "plant-1");
    await server.start();
    const spec = { bundle: server.add(img, 512), size: img.length, sha256: sha256(img), chunk: 512 };
    // First attempt: the link goes dead once 5 chunks are in; the downloader gives up.
    let first: Downloader | null = null;
    const dying: OtaTransport = {
      publish: (t, p, o) => bus.client().publish(t, p, o),
      subscribe: (f, h) => bus.client().subscribe(f, (t, p) => (first?.progress().have.length ?? 0) < 5 && h(t, p)),
    };
    first = new Downloader(dying, "plant-1", "dev-1", spec, { retryMs: 10, maxRetries: 3, window: 2 });
    await expect(first.run()).rejects.toMatchObject({ reason: "transfer-failed" });
    const saved = first.progress();
    expect(saved.have.length).toBe(5);
    // Second attempt (a reboot, a new link) with the saved progress: only the 11 missing chunks are asked for.
    const second = new Downloader(bus.client(), "plant-1", "dev-1", spec, { retryMs: 1000, resume: saved });
    expect(await second.run()).toEqual(img);
    expect(second.stats.received).toBe(16 - 5);
    await server.stop();
  });

  it("completes for a client that sleeps most of the time (messages while asleep are lost)", async () => {
    const bus = new MemoryBus();
    const img = image(6000, 5);
    const t0 = Date.now();
    // Awake 20 ms out of every 80 ms, like a duty-cycled MQTT-SN client without gateway buffering.
    const awake = (): boolean => (Date.now() - t0) % 80 < 20;
    const inner = bus.client();
    const sleepy: OtaTransport = {
      publish: async (t, p, o) => (awake() ? inner.publish(t, p, o) : undefined),
      subscribe: (f, h) => inner.subscribe(f, (t, p) => awake() && h(t, p)),
    };
    const { data, d } = await fetchOver(bus.client(), sleepy, img, 256, { retryMs: 30, maxRetries: 200 });
    expect(data).toEqual(img);
    expect(d.stats.requests).toBeGreaterThan(Math.ceil(6000 / 256 / 8));
  });

  it("refuses an image whose whole hash is wrong", async () => {
    const bus = new MemoryBus();
    const img = image(3000);
    const server = new ChunkServer(bus.client(), "plant-1");
    await server.start();
    const id = server.add(img, 256);
    const wrong = sha256(image(3000, 99));
    const d = new Downloader(bus.client(), "plant-1", "dev-1", { bundle: id, size: img.length, sha256: wrong, chunk: 256 }, { retryMs: 10 });
    const err = await d.run().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OtaError);
    expect((err as OtaError).reason).toBe("corrupted");
    await server.stop();
  });

  it("works at QoS 1 through a real MQTT broker (aedes + mqtt.js)", async () => {
    const broker = await startBroker();
    const a = await broker.connect("ctl");
    const b = await broker.connect("dev-1");
    try {
      const img = image(10_000, 7);
      const { data } = await fetchOver(mqttTransport(a), mqttTransport(b), img, 1024);
      expect(data).toEqual(img);
      expect(bundleId(img)).toMatch(/^[0-9a-f]{16}$/);
    } finally {
      await broker.close();
    }
  });
});
