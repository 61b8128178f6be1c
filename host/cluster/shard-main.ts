// One simulator shard, a child process of `colony cluster`: the parent sends the scenario and
// the shard's device range over IPC; the shard connects its one MQTT connection, waits until
// every shard has, runs its devices on its own virtual clock (synchronised with the others every
// slice) and sends back its summary.
import { parseScenario, runScenario } from "../sim/index.ts";
import { ShardLink } from "./shard-link.ts";
import { shardSummary } from "./summary.ts";
import type { ParentMessage, ShardMessage } from "./ipc.ts";

const send = (m: ShardMessage) => new Promise<void>((resolve) => process.send!(m, undefined, {}, () => resolve()));
const MiB = 2 ** 20;
// the parent gone, nobody waits for this shard
process.on("disconnect", () => process.exit(1));

process.once("message", async (m: ParentMessage) => {
  if (m.type !== "start") return;
  const c = m.config;
  try {
    const base = process.memoryUsage().rss;
    let peak = base;
    const link = await ShardLink.connect({ url: c.url, run: c.run, shard: c.shard, shards: c.shards });
    const go = new Promise<void>((resolve) => process.once("message", (g: ParentMessage) => g.type === "go" && resolve()));
    await send({ type: "connected" });
    await go;
    const sc = parseScenario(c.scenarioText, c.scenarioFile, c.agentsDir ? { agentsDir: c.agentsDir } : {});
    const shard = { ...sc, devices: sc.devices.slice(c.from, c.to) };
    const r = await runScenario(shard, {
      link,
      progressEveryMs: c.syncMs,
      ...(c.durationMs !== undefined ? { durationMs: c.durationMs } : {}),
      ...(c.seed !== undefined ? { seed: c.seed } : {}),
      onProgress: () => (peak = Math.max(peak, process.memoryUsage().rss)),
    });
    const bridge = link.counts();
    await link.close();
    await send({
      type: "result",
      summary: shardSummary(r, { shard: c.shard, from: c.from, to: c.to, broker: c.url, runMs: Math.round(link.lastSyncAt - link.startedAt), clockStartedAt: performance.timeOrigin + link.startedAt, bridge, rssMiB: { base: +(base / MiB).toFixed(1), peak: +(peak / MiB).toFixed(1) } }),
    });
    process.exit(0);
  } catch (e) {
    await send({ type: "error", message: (e as Error).message ?? String(e) });
    process.exit(1);
  }
});
