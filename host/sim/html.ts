// The scenario report: one self-contained HTML page (Apache ECharts inlined)
// that lets a person see what happened: the site with everyone's path, who
// negotiated what (a Gantt of the task allocations), batteries, fuel, memory,
// messages, and the timeline.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { formatMs } from "./duration.ts";
import { agentGroups, batteryBands, deviceGroups, round } from "./aggregate.ts";
import { shortBody } from "./body-text.ts";
import { economyLines } from "./economy-lines.ts";
import { otaLines } from "./ota/index.ts";
import type { SimResult } from "./runner.ts";
import type { Scenario } from "./scenario.ts";
import { taskStories, type TaskStory } from "./tasks.ts";
import { detailed, realTimeFactor, timelineLines } from "./report.ts";

/** Tasks told as prose in a big run's report (every one with --detail). */
const STORIES_SHOWN = 20;
/** Devices drawn with their own line (path, battery) before the report switches to bands and dots. */
const LINES_SHOWN = 12;

const require = createRequire(import.meta.url);

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}

/** JSON safe to put inside a <script> element. */
function scriptJson(v: unknown): string {
  return JSON.stringify(v).replace(/</g, "\\u003c");
}

export interface HtmlOptions {
  /** every agent, device and task, however big the run */
  detail?: boolean;
}

export function htmlReport(sc: Scenario, r: SimResult, o: HtmlOptions = {}): string {
  const echarts = readFileSync(require.resolve("echarts/dist/echarts.min.js"), "utf8");
  const detail = detailed(r, o.detail);
  const tasks = taskStories(r.trace);
  const topics = new Map<string, number>();
  for (const e of r.trace) if (e.type === "publish" && typeof e.data?.topic === "string") topics.set(e.data.topic, (topics.get(e.data.topic) ?? 0) + 1);
  const lines = detail || r.devices.length <= LINES_SHOWN;
  const moving = r.devices.filter((d) => d.travelledM > 0).slice(0, LINES_SHOWN);
  const groups = agentGroups(r.agents);
  const data = {
    map: sc.map ?? null,
    assets: sc.assets.map((a) => ({ id: a.id, position: a.position })),
    // a line per device while they fit on a chart, else paths of the first movers and a dot per device
    devices: (lines ? r.devices : moving).map((d) => ({ id: d.id, board: d.board, samples: d.samples })),
    dots: lines ? [] : r.devices.map((d) => [d.position[0], d.position[1], d.id]),
    bands: lines ? [] : batteryBands(r.devices),
    agents: detail
      ? r.agents.map((a) => ({ name: `${a.device}/${a.agent}`, fuel: a.metrics.events ? Math.round(a.metrics.fuelUsed / a.metrics.events) : 0, maxFuel: a.metrics.fuelMaxPerEvent, memory: a.metrics.memoryBytes }))
      : groups.map((g) => ({ name: `${g.agent} (x${g.count})`, fuel: g.fuelPerEvent, maxFuel: g.maxFuel, memory: g.memoryKiB * 1024 })),
    topics: [...topics.entries()].sort((a, b) => b[1] - a[1]),
    scores: scoreSeries(r),
    // what the Gantt chart draws: the bids are told in the prose, not shipped to the page
    tasks: (detail ? tasks : tasks.slice(0, 200)).map(({ bids: _bids, result: _result, ...t }) => t),
    duration: r.simulatedMs,
    economy: r.economy ? { accounts: r.economy.accounts.slice(0, 20), samples: r.economy.samples.map((x) => x.slice(0, 21)) } : null,
  };
  const passed = r.expectations.filter((e) => e.ok).length;
  const rows = (cells: string[][]) => cells.map((c) => `<tr>${c.map((x) => `<td>${x}</td>`).join("")}</tr>`).join("\n");
  const told = detail ? tasks : tasks.slice(0, STORIES_SHOWN);
  const story = told.map((t) => taskProse(t, detail)).join("\n") + (told.length < tasks.length ? `\n<li>… and ${tasks.length - told.length} more tasks (<code>--detail</code> tells every one)</li>` : "");
  const deviceTable = detail
    ? `<table><tr><th>device</th><th>board</th><th>travelled</th><th>energy</th><th>battery left</th><th>sent / received</th><th>inferences</th></tr>
${rows(r.devices.map((d) => [escapeHtml(d.id), escapeHtml(d.board), `${d.travelledM} m`, `${d.energy.totalJ.toFixed(1)} J (motion ${d.energy.motionJ.toFixed(0)}, CPU ${d.energy.cpuJ.toFixed(3)}, radio ${d.energy.radioJ.toFixed(3)}, inference ${d.energy.inferenceJ.toFixed(4)})`, `${(100 * d.energy.level).toFixed(1)} %`, `${d.bytesOut} / ${d.bytesIn} B`, `${d.inferences} (${(d.macs / 1e6).toFixed(1)} M MACs)`]))}
</table>`
    : `<p>${r.devices.length} devices, a row per board (<code>--detail</code> lists every device).</p><table><tr><th>board</th><th>devices</th><th>energy mean / max</th><th>battery left min / mean</th><th>sent / received</th><th>inferences</th></tr>
${rows(deviceGroups(r.devices).map((g) => [escapeHtml(g.board), String(g.count), `${g.energyJ.mean} / ${g.energyJ.max} J`, `${(100 * g.batteryLeft.min).toFixed(1)} / ${(100 * g.batteryLeft.mean).toFixed(1)} %`, `${g.bytesOut} / ${g.bytesIn} B`, String(g.inferences)]))}
</table>`;
  const agentTable = detail
    ? `<table><tr><th>agent</th><th>status</th><th>events</th><th>fuel/event</th><th>max fuel</th><th>memory</th><th>published</th><th>received</th><th>faults</th></tr>
${rows(r.agents.map((a) => [escapeHtml(`${a.device}/${a.agent}`), a.status, String(a.metrics.events), String(a.metrics.events ? Math.round(a.metrics.fuelUsed / a.metrics.events) : 0), String(a.metrics.fuelMaxPerEvent), `${a.metrics.memoryBytes / 1024} KiB`, String(a.metrics.published), String(a.metrics.received), String(a.metrics.faults)]))}
</table>`
    : `<p>${r.agents.length} agents, a row per agent (<code>--detail</code> lists every one).</p><table><tr><th>agent</th><th>count</th><th>status</th><th>events</th><th>fuel/event (mean)</th><th>max fuel</th><th>memory</th><th>published</th><th>received</th><th>faults</th></tr>
${rows(groups.map((g) => [escapeHtml(g.agent), String(g.count), escapeHtml(Object.entries(g.status).map(([k, v]) => `${v} ${k}`).join(", ")), String(g.events), String(g.fuelPerEvent), String(g.maxFuel), `${g.memoryKiB} KiB`, String(g.published), String(g.received), String(g.faults)]))}
</table>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(sc.name)}: Colony scenario report</title>
<style>
body{font:14px/1.45 system-ui,sans-serif;margin:24px auto;max-width:1200px;color:#222}
h1{margin-bottom:4px} .sub{color:#555;margin-top:0}
.grid{display:grid;grid-template-columns:1fr 1fr;gap:16px}
.chart{height:380px;border:1px solid #ddd;border-radius:6px}
table{border-collapse:collapse;width:100%;font-size:13px} td,th{border-bottom:1px solid #eee;padding:3px 6px;text-align:left}
.pass{color:#0a7a2f;font-weight:600} .fail{color:#b00020;font-weight:600}
pre{background:#f7f7f7;padding:10px;overflow:auto;max-height:420px;font-size:12px}
</style></head><body>
<h1>${escapeHtml(sc.name)}</h1>
<p class="sub">${escapeHtml(sc.description ?? "")}<br>seed ${r.seed}, ${formatMs(r.simulatedMs)} simulated in ${formatMs(r.wallMs)} (${realTimeFactor(r)}x real time), ${r.eventsRun} events, ${r.messages.published} messages published, ${r.messages.delivered} delivered (latency p50 ${r.messages.latencyMs.p50} ms, p99 ${r.messages.latencyMs.p99} ms, max ${r.messages.latencyMs.max} ms)${r.stoppedEarly ? ", <b>stopped early</b>" : ""}.</p>
<h2>Outcome: ${passed} of ${r.expectations.length} expectations met</h2>
<table>${rows(r.expectations.map((e) => [`<span class="${e.ok ? "pass" : "fail"}">${e.ok ? "PASS" : "FAIL"}</span>`, escapeHtml(e.text), escapeHtml(e.detail)]))}</table>
${r.line ? `<h2>Production line</h2><p>${r.line.items} items (${r.line.perMinute}/min); ${r.line.trueDefects} defective, ${r.line.caught} caught, ${r.line.falseAlarms} false alarm(s). Defect flagged to off the line: mean ${formatMs(r.line.removalMs.mean)}, max ${formatMs(r.line.removalMs.max)}; to the quality verdict: mean ${formatMs(r.line.verdictMs.mean)}. Robot utilisation: ${Object.entries(r.line.utilisation).map(([k, v]) => `${escapeHtml(k)} ${(100 * v).toFixed(0)}%`).join(", ")}.</p>` : ""}
${r.economy ? `<h2>Economy</h2><div id="balances" class="chart"></div><pre>${escapeHtml(economyLines(r.economy).join("\n"))}</pre>` : ""}
${r.ota ? `<h2>Over-the-air rollout</h2><pre>${escapeHtml(otaLines(r.ota).join("\n"))}</pre>` : ""}
<h2>What the agents negotiated</h2>
<p>No scheduler assigns work here: a manager agent calls for proposals, contractors bid from their own position and battery, and the best bid wins.</p>
${tasks.length > STORIES_SHOWN ? `<p>${auctionLine(tasks)}</p>` : ""}
<ul>${story || "<li>no tasks</li>"}</ul>
<div class="grid">
<div id="site" class="chart"></div>
<div id="gantt" class="chart"></div>
<div id="battery" class="chart"></div>
<div id="fuel" class="chart"></div>
<div id="memory" class="chart"></div>
<div id="topics" class="chart"></div>
${data.scores.length ? '<div id="scores" class="chart"></div>' : ""}
</div>
<h2>Devices</h2>
${deviceTable}
<h2>Agents</h2>
${agentTable}
<h2>Timeline</h2>
<pre>${escapeHtml(timelineLines(r, sc.quiet, 400).join("\n"))}</pre>
<script>${echarts}</script>
<script>
const D = ${scriptJson(data)};
const fmt = (ms) => (ms / 1000).toFixed(1) + " s";
function chart(id, option) { const c = echarts.init(document.getElementById(id)); c.setOption({ animation: false, ...option }); }
${SITE_CHART}
chart("site", siteChart(D));
const rowsG = [...new Set(D.tasks.flatMap((t) => [t.manager, t.contractorDevice].filter(Boolean)))];
const bars = [];
for (const t of D.tasks) {
  const end = (x) => (x === undefined || x === null ? D.duration : x);
  bars.push({ name: "bidding", value: [rowsG.indexOf(t.manager), t.announcedAt, end(t.awardedAt), t.task], itemStyle: { color: "#f2b134" } });
  if (t.contractorDevice) bars.push({ name: "working", value: [rowsG.indexOf(t.contractorDevice), t.awardedAt, end(t.doneAt ?? t.failedAt), t.task], itemStyle: { color: "#3a7bd5" } });
  if (t.doneAt !== undefined && t.confirmedAt !== undefined) bars.push({ name: "confirming", value: [rowsG.indexOf(t.manager), t.doneAt, end(t.confirmedAt), t.task], itemStyle: { color: "#2e9e5b" } });
}
chart("gantt", {
  title: { text: "Task allocation (contract-net)", textStyle: { fontSize: 14 } },
  tooltip: { formatter: (p) => p.value[3] + ": " + p.name + " " + fmt(p.value[1]) + " to " + fmt(p.value[2]) },
  xAxis: { type: "value", min: 0, max: D.duration, axisLabel: { formatter: fmt } },
  yAxis: { type: "category", data: rowsG },
  series: [{ type: "custom", data: bars, encode: { x: [1, 2], y: 0 }, renderItem: (params, api) => {
    const y = api.value(0), a = api.coord([api.value(1), y]), b = api.coord([api.value(2), y]), h = api.size([0, 1])[1] * 0.5;
    return { type: "rect", shape: { x: a[0], y: a[1] - h / 2, width: Math.max(2, b[0] - a[0]), height: h }, style: api.style() };
  } }],
});
const bandNames = ["min", "p10", "median", "p90", "max"];
chart("battery", {
  title: { text: D.bands.length ? "Battery level across the fleet" : "Battery level", textStyle: { fontSize: 14 } }, tooltip: { trigger: "axis" }, legend: { bottom: 0, type: "scroll" },
  grid: { top: 40, bottom: 50 }, xAxis: { type: "value", axisLabel: { formatter: fmt } }, yAxis: { type: "value", axisLabel: { formatter: (v) => (100 * v).toFixed(0) + "%" } },
  series: D.bands.length
    ? bandNames.map((n, i) => ({ name: n, type: "line", showSymbol: false, data: D.bands.map((b) => [b[0], b[i + 1]]) }))
    : D.devices.map((d) => ({ name: d.id, type: "line", showSymbol: false, data: d.samples.map((s) => [s[0], s[1]]) })),
});
if (D.economy) chart("balances", {
  title: { text: "Wallet balances over time", textStyle: { fontSize: 14 } }, tooltip: { trigger: "axis" }, legend: { bottom: 0, type: "scroll" },
  grid: { top: 40, bottom: 50 }, xAxis: { type: "value", axisLabel: { formatter: fmt } }, yAxis: { type: "value" },
  series: D.economy.accounts.map((a, i) => ({ name: a, type: "line", step: "end", showSymbol: false, data: D.economy.samples.map((s) => [s[0], s[i + 1]]) })),
});
chart("fuel", {
  title: { text: "Fuel per event (mean and max)", textStyle: { fontSize: 14 } }, tooltip: {}, legend: { bottom: 0 }, grid: { left: 170, top: 40, bottom: 50 },
  xAxis: { type: "log" }, yAxis: { type: "category", data: D.agents.map((a) => a.name) },
  series: [{ name: "mean", type: "bar", data: D.agents.map((a) => Math.max(1, a.fuel)) }, { name: "max", type: "bar", data: D.agents.map((a) => Math.max(1, a.maxFuel)) }],
});
chart("memory", {
  title: { text: "Linear memory per agent (KiB)", textStyle: { fontSize: 14 } }, tooltip: {}, grid: { left: 170 },
  xAxis: { type: "value" }, yAxis: { type: "category", data: D.agents.map((a) => a.name) },
  series: [{ type: "bar", data: D.agents.map((a) => a.memory / 1024) }],
});
chart("topics", {
  title: { text: "Messages per topic (log scale)", textStyle: { fontSize: 14 } }, tooltip: {}, grid: { left: 150 },
  // from 0.1, so a topic seen once still has a bar; each bar says its count
  xAxis: { type: "log", min: 0.1, axisLabel: { formatter: (v) => (v >= 1 ? v.toLocaleString("en") : "") } }, yAxis: { type: "category", data: D.topics.map((t) => t[0]) },
  series: [{ type: "bar", data: D.topics.map((t) => t[1]), label: { show: true, position: "right", formatter: (p) => p.value.toLocaleString("en") } }],
});
if (D.scores.length) chart("scores", {
  title: { text: "Anomaly score over time (every score an agent published)", textStyle: { fontSize: 14 } }, tooltip: { trigger: "axis" }, legend: { bottom: 0, type: "scroll" },
  grid: { top: 40, bottom: 50 }, xAxis: { type: "value", axisLabel: { formatter: fmt } }, yAxis: { type: "value" },
  series: D.scores.map((s) => ({ name: s.name, type: "line", showSymbol: s.points.length < 40, data: s.points })),
});
</script>
</body></html>
`;
}

/**
 * The site plan (obstacles, assets, every device's path), as page script: kept as text
 * because a transpiled function would carry the transpiler's helpers into the page.
 */
const SITE_CHART = `
function siteChart(D) {
  const w = D.map ? D.map.width * D.map.cell : 50;
  const h = D.map ? D.map.height * D.map.cell : 50;
  const obstacles = (D.map ? D.map.obstacles : []).map((o) => ({ value: o }));
  return {
    title: { text: "Site plan and paths (metres)", textStyle: { fontSize: 14 } },
    tooltip: {},
    legend: { bottom: 0, type: "scroll" },
    grid: { top: 40, bottom: 50 },
    xAxis: { type: "value", min: 0, max: w },
    yAxis: { type: "value", min: 0, max: h },
    series: [
      { name: "obstacles", type: "custom", data: obstacles, renderItem: (p, api) => {
        const a = api.coord([api.value(0), api.value(1)]);
        const b = api.coord([api.value(2), api.value(3)]);
        return { type: "rect", shape: { x: Math.min(a[0], b[0]), y: Math.min(a[1], b[1]), width: Math.abs(b[0] - a[0]), height: Math.abs(b[1] - a[1]) }, style: { fill: "#999" } };
      } },
      { name: "assets", type: "scatter", symbol: "diamond", symbolSize: 16, data: D.assets.map((a) => ({ name: a.id, value: a.position })), label: { show: true, formatter: "{b}", position: "right" } },
      ...D.devices.map((d) => ({ name: d.id, type: "line", showSymbol: false, data: d.samples.map((s) => [s[2], s[3]]) })),
      ...(D.dots.length ? [{ name: "devices (last position)", type: "scatter", symbolSize: 3, data: D.dots.map((p) => ({ name: p[2], value: [p[0], p[1]] })) }] : []),
    ],
  };
}`;

/** Bids listed per task in a big run's prose: the cheapest, then a count. */
const BIDS_TOLD = 5;

function taskProse(t: TaskStory, all: boolean): string {
  const told = all ? t.bids : [...t.bids].sort((a, b) => a.cost - b.cost).slice(0, BIDS_TOLD);
  const more = t.bids.length - told.length;
  const bids = (told.map((b) => `${escapeHtml(b.device)} bid cost ${round(b.cost)}, ETA ${formatMs(b.eta)}`).join("; ") || "no bids") + (more > 0 ? `; and ${more} more bids` : "");
  return `<li><b>${escapeHtml(t.task)}</b> (${escapeHtml(t.capability)}) announced by ${escapeHtml(t.manager)} at ${formatMs(t.announcedAt)}, ${t.rounds} round(s). Bids: ${bids}. ${
    t.contractorDevice ? `Awarded to <b>${escapeHtml(t.contractorDevice)}</b> at ${formatMs(t.awardedAt!)}.` : "Not awarded."
  } ${conflictProse(t)}${t.doneAt !== undefined ? `Done at ${formatMs(t.doneAt)}: ${escapeHtml(shortBody(t.result, 200))}.` : ""} ${t.confirmedAt !== undefined ? `Confirmed at ${formatMs(t.confirmedAt)}.` : ""}</li>`;
}

/** The task's priority and what the site's priorities did to it: awards refused by their winner, contractors taken off it. */
function conflictProse(t: TaskStory): string {
  const parts = [
    ...(t.priority !== 0 ? [`Priority ${t.priority}.`] : []),
    ...t.refusals.map((x) => `Refused by ${escapeHtml(x.from)} at ${formatMs(x.at)} (round ${x.round}): ${escapeHtml(x.reason)}.`),
    ...t.preemptions.map((x) => `<b>Preempted</b> on ${escapeHtml(x.from)} at ${formatMs(x.at)} (round ${x.round}): ${escapeHtml(x.reason)}.`),
  ];
  return parts.length ? parts.join(" ") + " " : "";
}

/** One line over all auctions of a big run: how many, bids per auction, time to award. */
function auctionLine(tasks: readonly TaskStory[]): string {
  const awarded = tasks.filter((t) => t.awardedAt !== undefined);
  const waits = awarded.map((t) => t.awardedAt! - t.announcedAt).sort((a, b) => a - b);
  const q = (p: number) => (waits.length ? waits[Math.min(waits.length - 1, Math.floor(p * waits.length))]! : 0);
  const bids = tasks.map((t) => t.bids.length);
  return `${tasks.length} tasks tendered, ${awarded.length} awarded, ${tasks.filter((t) => t.doneAt !== undefined).length} done, ${tasks.filter((t) => t.failedAt !== undefined).length} failed; bids per task mean ${round(bids.reduce((a, b) => a + b, 0) / Math.max(1, bids.length))}, max ${Math.max(0, ...bids)}; time to award p50 ${formatMs(q(0.5))}, p99 ${formatMs(q(0.99))}.`;
}

const SCORE_GAP_MS = 2_000;

/** Every numeric "score" field published, as a line per (device, topic), for the scores chart. */
function scoreSeries(r: SimResult): { name: string; points: [number, number | null][] }[] {
  const series = new Map<string, [number, number | null][]>();
  for (const e of r.trace) {
    const b = e.data?.body as Record<string, unknown> | undefined;
    if (e.type !== "publish" || !b || typeof b !== "object" || typeof b.score !== "number") continue;
    const name = `${e.device} ${String(e.data!.topic)}`;
    if (!series.has(name) && series.size >= LINES_SHOWN) continue;
    const points = series.get(name) ?? [];
    // a score is heard only near a machine: a gap in the patrol is a gap in the line, not a ramp
    const last = points[points.length - 1];
    if (last && e.t - last[0] > SCORE_GAP_MS) points.push([last[0] + 1, null]);
    points.push([e.t, round(b.score)]);
    series.set(name, points);
  }
  return [...series.entries()].map(([name, points]) => ({ name, points }));
}
