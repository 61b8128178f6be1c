// One fleet run in a process of its own, for bench/sim.ts: `tsx bench/fleet/run-fleet.ts <devices>
// <seconds> <nth>` prints { rtf (of the run, after start-up), rtfWithSetup, wallMs, setupMs, agentEvents, rssMiB } as JSON. A process of its own because
// ten thousand devices need Node's --disable-wasm-trap-handler (V8's guard regions run out of
// address space near 12,000 wasm memories) and a clean heap to measure.
import { readFileSync } from "node:fs";
import path from "node:path";
import { parseScenario, runScenario } from "../../host/sim/index.ts";

const ROOT = path.resolve(import.meta.dirname, "../..");
const [devices, seconds, nth] = process.argv.slice(2).map(Number) as [number, number, number];
const text = readFileSync(path.join(ROOT, "scenarios/fleet-1000.yaml"), "utf8")
  .replace("count: 1000", `count: ${devices}`)
  .replace("nth: 100", `nth: ${nth}`)
  .replace("duration: 30s", `duration: ${seconds}s`);
const before = process.memoryUsage().rss;
let peak = before;
const r = await runScenario(parseScenario(text, path.join(ROOT, "scenarios/fleet-bench.yaml")), { onProgress: () => (peak = Math.max(peak, process.memoryUsage().rss)) });
const agentEvents = r.agents.reduce((n, a) => n + a.metrics.events, 0);
process.stdout.write(JSON.stringify({ rtf: r.simulatedMs / (r.wallMs - r.setupMs), rtfWithSetup: r.simulatedMs / r.wallMs, wallMs: r.wallMs, setupMs: r.setupMs, agentEvents, rssMiB: (peak - before) / 2 ** 20 }) + "\n");
