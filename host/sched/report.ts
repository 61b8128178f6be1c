// sched.html beside the simulator's report: miss rate and energy per inference against the load,
// a curve per policy (ECharts, like report.html), and the regulation trace of the scheduler's run
// at the highest load (state changes, migrations, sheds, refusals, offloads).
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import type { LoadSweep } from "./load.ts";

const require = createRequire(import.meta.url);

const escapeHtml = (s: string): string => s.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]!);

export function schedReport(title: string, s: LoadSweep): string {
  const echarts = readFileSync(require.resolve("echarts/dist/echarts.min.js"), "utf8");
  const series = (key: "missRate" | "energyPerInferenceUj", scale: number) =>
    ["colony", "fifo", "local"].map((p) => ({ name: p, type: "line", data: s.results.filter((r) => r.policy === p).map((r) => [r.load, Math.round(r[key] * scale * 100) / 100]) }));
  const top = s.results.filter((r) => r.policy === "colony").at(-1)!;
  const rows = top.trace.filter((e) => e.kind !== "offload" || top.trace.indexOf(e) < 60)
    .map((e) => `<tr><td>${e.atMs}</td><td>${escapeHtml(e.device)}</td><td>${e.kind}</td><td>${escapeHtml(e.detail)}</td></tr>`).join("");
  const data = JSON.stringify({ miss: series("missRate", 100), energy: series("energyPerInferenceUj", 1 / 1000) }).replace(/</g, "\\u003c");
  return `<!doctype html><html><head><meta charset="utf-8"><title>${escapeHtml(title)}: scheduler load sweep</title>
<style>body{font:14px system-ui,sans-serif;margin:2em;max-width:1100px}.chart{height:360px;border:1px solid #ddd;border-radius:6px;margin:1em 0}table{border-collapse:collapse;font-size:12px}td{border-bottom:1px solid #eee;padding:2px 6px;vertical-align:top}</style></head><body>
<h1>${escapeHtml(title)}: scheduler load sweep</h1>
<p>The same seeded requests scheduled three ways: <b>colony</b> (EDF with admission, placement on the local CPU, local accelerator or a peer's accelerator by deadline, energy, queue and link; triadic regulation), <b>fifo</b> (shortest queue anywhere, arrival order, no admission) and <b>local</b> (where the board puts it, arrival order). Refused and shed requests count as missed.</p>
<div id="miss" class="chart"></div><div id="energy" class="chart"></div>
<h2>Regulation trace of colony at ${top.load}x</h2><table><tr><th>ms</th><th>device</th><th>event</th><th>detail</th></tr>${rows}</table>
<script>${echarts}</script><script>
const D = ${data};
function chart(id, name, unit, series) { echarts.init(document.getElementById(id)).setOption({ animation: false, title: { text: name }, tooltip: { trigger: "axis" }, legend: { top: 24 }, xAxis: { type: "value", name: "load (x)" }, yAxis: { type: "value", name: unit }, series }); }
chart("miss", "deadline-miss rate", "%", D.miss);
chart("energy", "energy per inference", "mJ", D.energy);
</script></body></html>
`;
}
