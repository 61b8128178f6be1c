// The dashboard page: draws the live model the server pushes over Server-Sent Events.
import * as echarts from "echarts/core";
import { BarChart, ScatterChart } from "echarts/charts";
import { GraphicComponent, GridComponent, TooltipComponent } from "echarts/components";
import { CanvasRenderer } from "echarts/renderers";
import type { DeviceView, FleetSnapshot, RolloutView } from "../model.ts";

echarts.use([BarChart, ScatterChart, GraphicComponent, GridComponent, TooltipComponent, CanvasRenderer]);

const $ = (id: string): HTMLElement => document.getElementById(id)!;
const esc = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const plan = echarts.init($("plan"));
const rates = echarts.init($("rates"));
let selected: string | null = null;
let last: FleetSnapshot | null = null;

function drawDevices(s: FleetSnapshot): void {
  $("devices").innerHTML = s.devices
    .map((d) => `<li data-device="${esc(d.id)}" class="${d.id === selected ? "selected" : ""} ${d.alive ? "" : "lost"}"><span>${esc(d.id)}</span><span class="${esc(d.ota?.phase ?? "")}">${esc(d.ota?.phase ?? (d.alive ? "up" : "lost"))}</span></li>`)
    .join("");
  $("count").textContent = `${s.devices.length} devices, ${s.messages} messages`;
}

function drawDevice(d: DeviceView | undefined): void {
  if (!d) return;
  const rows = Object.values(d.agents)
    .map((a) => `<tr data-agent="${esc(a.name)}"><td>${esc(a.name)}</td><td>${esc(a.version ?? "")}</td><td class="${esc(a.state)}">${esc(a.state)}</td><td>${a.messages}</td><td>${a.fuel ?? ""}</td><td>${a.memory ?? ""}</td><td>${esc(a.lastTopic ?? "")}</td></tr>`)
    .join("");
  $("device").innerHTML =
    `<b id="device-id">${esc(d.id)}</b> ${d.alive ? "up" : '<span class="lost">lost</span>'} ${d.groups.length ? `groups ${esc(d.groups.join(", "))}` : ""}` +
    (d.position ? ` at (${d.position.map((x) => x.toFixed(1)).join(", ")})` : "") +
    (d.battery !== undefined ? ` battery ${(d.battery * 100).toFixed(0)}%` : "") +
    (d.ota ? `<br>OTA ${esc(d.ota.rollout)}: <span class="${esc(d.ota.phase)}">${esc(d.ota.phase)}</span>, runs ${esc(d.ota.running || "nothing")}${d.ota.reason ? ` (${esc(d.ota.reason)})` : ""}` : "") +
    `<table><tr><th>agent</th><th>version</th><th>state</th><th>msgs</th><th>fuel</th><th>memory</th><th>last topic</th></tr>${rows}</table>`;
}

function drawRollout(r: RolloutView): string {
  const phases = Object.entries(r.phases).map(([p, n]) => `<span class="${esc(p)}">${esc(p)} ${n}</span>`).join(", ");
  return `<div class="rollout" data-rollout="${esc(r.id)}"><b>${esc(r.id)}</b> ${esc(r.agent)} -> ${esc(r.version)}:
    <span class="state ${esc(r.state)}">${esc(r.state)}</span>, waves done <span class="waves-done">${r.wavesDone}</span>/${r.waves.length}
    (canary ${r.canaryPercent}% = ${r.waves[0] ?? 0} devices, then ${r.waves.slice(1).join(" + ")}; halt over ${r.haltOnPercent}%)
    ${r.reason ? `<div class="reason">${esc(r.reason)}</div>` : ""}<div>${phases}</div>
    <button data-action="halt" data-id="${esc(r.id)}">Halt</button><button data-action="rollback" data-id="${esc(r.id)}">Roll back</button></div>`;
}

function draw(s: FleetSnapshot): void {
  last = s;
  drawDevices(s);
  drawDevice(s.devices.find((d) => d.id === selected));
  $("rollouts").innerHTML = s.rollouts.length ? s.rollouts.map(drawRollout).join("") : "none yet";
  $("auctions").innerHTML = s.auctions.length
    ? `<table><tr><th>task</th><th>manager</th><th>bids</th><th>winner</th><th>state</th></tr>${s.auctions.map((a) => `<tr><td>${esc(a.task)}</td><td>${esc(a.manager ?? "")}</td><td>${a.bids}</td><td>${esc(a.winner ?? "")}</td><td>${esc(a.state)}</td></tr>`).join("")}</table>`
    : "none yet";
  $("alerts").innerHTML = s.alerts.map((a) => `<li class="alert ${a.kind}">${new Date(a.at).toLocaleTimeString()} ${esc(a.text)}</li>`).join("");
  const placed = s.devices.filter((d) => d.position);
  plan.setOption({
    animation: false,
    grid: { left: 30, right: 10, top: 10, bottom: 20 },
    xAxis: { type: "value", scale: true },
    yAxis: { type: "value", scale: true },
    tooltip: { formatter: (p: { data: [number, number, string] }) => p.data[2] },
    series: [{ type: "scatter", data: placed.map((d) => [d.position![0], d.position![1], d.id]), itemStyle: { color: "#2a6fdb" } }],
    graphic: [{ type: "text", left: "center", top: "middle", invisible: placed.length > 0, style: { text: "no positions published (presence beats carry them)" } }],
  });
  const top = Object.entries(s.rates).sort((a, b) => b[1] - a[1]).slice(0, 12).reverse();
  rates.setOption({
    animation: false,
    grid: { left: 150, right: 20, top: 10, bottom: 20 },
    xAxis: { type: "value" },
    yAxis: { type: "category", data: top.map(([t]) => t) },
    series: [{ type: "bar", data: top.map(([, v]) => +v.toFixed(1)), label: { show: true, position: "right" } }],
  });
}

document.addEventListener("click", (ev) => {
  const t = ev.target as HTMLElement;
  const li = t.closest<HTMLElement>("#devices li");
  if (li) {
    selected = li.dataset.device ?? null;
    if (last) draw(last);
    return;
  }
  const b = t.closest<HTMLButtonElement>("button[data-action]");
  if (b) void act(b.dataset.id!, b.dataset.action!);
});

async function act(id: string, action: string): Promise<void> {
  const out = $("action-result");
  out.textContent = `${action} ${id}...`;
  const res = await fetch(`/api/rollouts/${encodeURIComponent(id)}/${action}`, { method: "POST" });
  const body = (await res.json()) as { error?: string; state?: string };
  out.className = res.ok ? "ok" : "refused";
  out.textContent = res.ok ? `${action} ${id}: ${body.state}` : `${action} refused (${res.status}): ${body.error}`;
}

const events = new EventSource("/events");
events.addEventListener("config", (e) => {
  const c = JSON.parse((e as MessageEvent<string>).data) as { site: string; broker: string; key: string | null };
  $("site").textContent = `site ${c.site} on ${c.broker}`;
  $("key").textContent = c.key ? `acting with key ${c.key}` : "read-only (no --key)";
});
events.onmessage = (e) => draw(JSON.parse(e.data as string) as FleetSnapshot);
