// The load sweep: a site's devices each ask for inferences of their own model (vision, audio,
// vibration, keywords) at a rate times the load factor, with a deadline, on a virtual clock; the
// same arrivals (same seed) are scheduled by three policies and their misses and energy compared.
//   colony: EDF queues with admission, placement on local CPU, local accelerator or a peer's
//           accelerator by deadline, energy, queue and link, triadic regulation and state changes;
//   fifo:   any unit of the site by shortest queue (with the link time), arrival order, no admission;
//   local:  where the board puts it today (its accelerator if it has one, else the CPU), arrival order.
// A refused request counts as a miss. Costs come from the cost model of the real compiled models.
import type { BoardProfile } from "../kernel/index.ts";
import { seededRandom } from "../hal/index.ts";
import type { CompiledModel } from "../tinyml/index.ts";
import { inferenceCost, type InferenceCost } from "./cost.ts";
import { linkBetween } from "./peers.ts";
import { isRefusal, place, transfer, type Candidate } from "./placement.ts";
import { UnitQueue, type Job } from "./queue.ts";
import { lendCpu, ownSlackUs } from "./lending.ts";
import { DEFAULT_POLICY, onStateChange, regulate, type DeviceCondition, type StateChange, type Verdict } from "./regulation.ts";
import { acceleratorUnit, unitsOf, type SchedUnit } from "./units.ts";

export type Policy = "colony" | "fifo" | "local";
export const POLICIES: readonly Policy[] = ["colony", "fifo", "local"];

export interface Workload {
  model: string;
  /** Mean time between requests at load 1x, ms (arrivals are Poisson). */
  periodMs: number;
  deadlineMs: number;
  critical: boolean;
}

export interface SweepDevice {
  id: string;
  board: BoardProfile;
  workload?: Workload;
  battery?: number;
}

export interface SweepStateEvent {
  atMs: number;
  device: string;
  change: StateChange;
}

export interface SweepOptions {
  devices: SweepDevice[];
  models: Record<string, CompiledModel>;
  durationMs: number;
  load: number;
  policy: Policy;
  seed: number;
  events?: SweepStateEvent[];
  /** Broker round trip added to every offload, µs (default 4 ms). */
  rttUs?: number;
  /** Share of transmissions that get through (default 0.95). */
  linkQuality?: number;
}

export type TraceKind = "offload" | "refuse" | "miss" | "shed" | "migrate" | "state";
export interface SchedTraceEvent {
  atMs: number;
  device: string;
  kind: TraceKind;
  detail: string;
}

export interface SweepResult {
  policy: Policy;
  load: number;
  requests: number;
  onTime: number;
  late: number;
  refused: number;
  shed: number;
  migrated: number;
  offloaded: number;
  missRate: number;
  /** Compute and radio energy of every inference that ran, per inference that ran, µJ. */
  energyPerInferenceUj: number;
  totalEnergyUj: number;
  trace: SchedTraceEvent[];
}

interface Site {
  id: string;
  board: BoardProfile;
  units: SchedUnit[];
  queues: Map<string, UnitQueue>;
  state: DeviceCondition;
  workload?: Workload;
}

interface Running {
  job: Job;
  site: Site;
  unit: string;
  finishUs: number;
  /** Transfer time of the answer back to the origin, µs. */
  returnUs: number;
}

/** Trace events kept per kind and device (state changes and their consequences are rare; offloads are not). */
const TRACE_LIMIT = 40;

/** Poisson arrivals of every device's workload, sorted by time. */
function arrivals(o: SweepOptions): { atUs: number; device: SweepDevice; n: number }[] {
  const rand = seededRandom(o.seed);
  const out: { atUs: number; device: SweepDevice; n: number }[] = [];
  for (const d of o.devices) {
    if (!d.workload) continue;
    const mean = (d.workload.periodMs * 1000) / o.load;
    let t = rand() * mean;
    let n = 0;
    while (t < o.durationMs * 1000) {
      out.push({ atUs: t, device: d, n: n++ });
      t += -Math.log(1 - rand()) * mean;
    }
  }
  return out.sort((a, b) => a.atUs - b.atUs);
}

/** Runs one policy at one load. Deterministic for a seed. */
export function runSweep(o: SweepOptions): SweepResult {
  if (!(o.load > 0)) throw new RangeError(`load must be a positive factor, got ${o.load}`);
  const discipline = o.policy === "colony" ? "edf" : "fifo";
  const sites = new Map<string, Site>();
  for (const d of o.devices) {
    const units = unitsOf(d.board);
    sites.set(d.id, {
      id: d.id, board: d.board, units, queues: new Map(units.map((u) => [u.id, new UnitQueue(discipline)])), ...(d.workload ? { workload: d.workload } : {}),
      state: { battery: d.battery ?? 1, temperatureC: 40, busy: false, degradedSensors: [], failedUnits: [] },
    });
  }
  const costs = new Map<string, InferenceCost>();
  const costOf = (site: Site, unit: SchedUnit, model: string): InferenceCost => {
    const key = `${site.board.name}/${unit.id}/${model}`;
    let c = costs.get(key);
    if (!c) {
      const m = o.models[model];
      if (!m) throw new RangeError(`workload names model "${model}", which the sweep was not given (${Object.keys(o.models).join(", ")})`);
      costs.set(key, (c = inferenceCost(model, m, unit, site.units[0]!)));
    }
    return c;
  };
  const r: SweepResult = { policy: o.policy, load: o.load, requests: 0, onTime: 0, late: 0, refused: 0, shed: 0, migrated: 0, offloaded: 0, missRate: 0, energyPerInferenceUj: 0, totalEnergyUj: 0, trace: [] };
  const kept = new Map<string, number>();
  const trace = (atUs: number, device: string, kind: TraceKind, detail: string): void => {
    const n = kept.get(`${kind} ${device}`) ?? 0;
    if (n >= TRACE_LIMIT) return;
    kept.set(`${kind} ${device}`, n + 1);
    r.trace.push({ atMs: Math.round(atUs / 100) / 10, device, kind, detail });
  };
  let ran = 0;
  const running: Running[] = [];
  const returnUs = new Map<string, number>();
  /** Every dispatched request as it was asked (its deadline at the origin), for misses and migrations. */
  const requests = new Map<string, Job>();

  // the slack a site keeps on its CPU for its own requests (none to keep without a workload)
  const slackOf = (site: Site): number => {
    const w = site.workload;
    return w ? ownSlackUs(w.deadlineMs * 1000, costOf(site, site.units[0]!, w.model).timeUs) : Infinity;
  };
  const candidatesFor = (origin: Site, model: string, critical: boolean, nowUs: number): Candidate[] => {
    const out: Candidate[] = [];
    for (const site of sites.values()) {
      if (site !== origin && o.policy === "local") continue;
      for (const unit of site.units) {
        const lent = site !== origin && unit.kind === "cpu";
        // the baselines never borrow a peer's CPU (it runs the peer's own agents); colony does within the peer's slack
        if (lent && o.policy !== "colony") continue;
        const cost = costOf(site, unit, model);
        if (unit.kind !== "cpu" && cost.opsOnCpu > cost.opsOnUnit) continue; // the accelerator covers too little of it
        const q = site.queues.get(unit.id)!;
        let verdict: Verdict = o.policy === "colony"
          ? regulate(site.state, { fuelLeft: Infinity, memoryFreeBytes: Infinity, queueLength: q.length }, { unit: unit.id, fuel: 0, memoryBytes: 0, critical: critical || site !== origin })
          : site.state.failedUnits.includes(unit.id) ? { admit: false as const, reason: `unit ${unit.id} has failed` } : { admit: true as const };
        if (lent && verdict.admit) verdict = lendCpu(q.backlogUs(nowUs), cost.timeUs, slackOf(site));
        out.push({ device: site.id, unit: unit.id, cost, queue: q, verdict, ...(site !== origin ? { link: linkBetween(origin.board, site.board, o.rttUs, o.linkQuality) } : {}) });
      }
    }
    return out;
  };

  const dispatch = (job: Job, origin: Site, nowUs: number, again: boolean): void => {
    const cands = candidatesFor(origin, job.model, job.critical, nowUs);
    let chosen: { c: Candidate; job: Job; transferUs: number; energyUj: number } | undefined;
    if (o.policy === "colony") {
      const p = place({ id: job.id, origin: job.origin, model: job.model, releaseUs: job.releaseUs, deadlineUs: job.deadlineUs, critical: job.critical }, cands, nowUs);
      if (isRefusal(p)) {
        r.refused++;
        trace(nowUs, origin.id, "refuse", `${job.model} ${job.id}${again ? " (migrating)" : ""}: ${p.reasons.join("; ")}`);
        return;
      }
      chosen = { c: p.candidate, job: p.job, transferUs: p.transferUs, energyUj: p.energyUj };
    } else {
      const usable = cands.filter((c) => c.verdict.admit);
      let pick: Candidate | undefined;
      if (o.policy === "local") {
        const site = sites.get(origin.id)!;
        const acc = acceleratorUnit(site.units.filter((u) => !site.state.failedUnits.includes(u.id)));
        pick = usable.find((c) => c.unit === acc?.id) ?? usable.find((c) => c.unit === site.units[0]!.id);
      } else {
        const finish = (c: Candidate) => sites.get(c.device)!.queues.get(c.unit)!.backlogUs(nowUs) + c.cost.timeUs + (c.link ? transfer(c.link, c.cost).us : 0);
        pick = usable.reduce<Candidate | undefined>((b, c) => (!b || finish(c) < finish(b) ? c : b), undefined);
      }
      if (!pick) {
        r.refused++;
        trace(nowUs, origin.id, "refuse", `${job.model} ${job.id}: no unit left`);
        return;
      }
      const t = pick.link ? transfer(pick.link, pick.cost) : { us: 0, energyUj: 0 };
      chosen = { c: pick, job: { ...job, execUs: pick.cost.timeUs, energyUj: pick.cost.energyUj, deadlineUs: job.deadlineUs - t.us / 2 }, transferUs: t.us, energyUj: pick.cost.energyUj + t.energyUj };
    }
    if (chosen.c.link) {
      r.offloaded++;
      trace(nowUs, origin.id, "offload", `${job.model} ${job.id} -> ${chosen.c.device}/${chosen.c.unit}`);
    }
    r.totalEnergyUj += chosen.energyUj - chosen.job.energyUj; // radio now, compute when it runs
    returnUs.set(job.id, chosen.transferUs / 2);
    requests.set(job.id, job);
    const site = sites.get(chosen.c.device)!;
    const landsUs = nowUs + chosen.transferUs / 2;
    // colony queues an offload when it sends it, to be started once the input lands (its deadline on
    // the unit leaves the answer its way back); the baselines queue it when it lands, as they did
    if (o.policy === "colony") site.queues.get(chosen.c.unit)!.push(chosen.c.link ? { ...chosen.job, readyUs: landsUs } : chosen.job);
    else pendingArrivals.push({ atUs: landsUs, site, unit: chosen.c.unit, job: { ...chosen.job, deadlineUs: job.deadlineUs } });
  };

  const pendingArrivals: { atUs: number; site: Site; unit: string; job: Job }[] = [];
  const startFree = (nowUs: number): void => {
    for (const site of sites.values()) {
      for (const [unit, q] of site.queues) {
        if (q.running || site.state.failedUnits.includes(unit)) continue;
        const j = q.start(nowUs);
        if (j) running.push({ job: j, site, unit, finishUs: q.busyUntilUs, returnUs: returnUs.get(j.id) ?? 0 });
      }
    }
  };
  const complete = (nowUs: number): void => {
    for (let i = running.length - 1; i >= 0; i--) {
      const x = running[i]!;
      if (x.finishUs > nowUs) continue;
      running.splice(i, 1);
      sites.get(x.site.id)!.queues.get(x.unit)!.finish();
      ran++;
      r.totalEnergyUj += x.job.energyUj;
      const dueUs = requests.get(x.job.id)!.deadlineUs;
      requests.delete(x.job.id);
      if (x.finishUs + x.returnUs <= dueUs) r.onTime++;
      else {
        r.late++;
        trace(x.finishUs, x.job.origin, "miss", `${x.job.model} ${x.job.id} on ${x.site.id}/${x.unit}: ${((x.finishUs + x.returnUs - dueUs) / 1000).toFixed(1)} ms late`);
      }
    }
  };
  const applyState = (e: SweepStateEvent): void => {
    const site = sites.get(e.device);
    if (!site) throw new RangeError(`state event names device "${e.device}", which is not in the sweep`);
    const c = e.change;
    if (c.kind === "unit-failed") site.state = { ...site.state, failedUnits: [...site.state.failedUnits, c.unit] };
    else if (c.kind === "battery") site.state = { ...site.state, battery: c.level };
    else if (c.kind === "temperature") site.state = { ...site.state, temperatureC: c.celsius };
    else site.state = { ...site.state, degradedSensors: [...site.state.degradedSensors, c.sensor] };
    const at = e.atMs * 1000;
    trace(at, site.id, "state", JSON.stringify(c));
    for (const [unit, q] of site.queues) {
      if (o.policy !== "colony") {
        // the baselines do not regulate: a failed unit loses what waited on it
        if (c.kind === "unit-failed" && c.unit === unit) for (const j of q.drain()) { r.shed++; trace(at, j.origin, "shed", `${j.model} ${j.id}: unit ${unit} failed`); }
        continue;
      }
      const waiting = q.drain();
      const disp = onStateChange(c, unit, waiting, DEFAULT_POLICY);
      for (const j of waiting) if (!disp.some((d) => d.job === j)) q.push(j); // untouched jobs stay queued
      for (const d of disp) {
        if (d.action === "shed") { r.shed++; trace(at, d.job.origin, "shed", `${d.job.model} ${d.job.id}: ${d.why}`); }
        else { r.migrated++; trace(at, d.job.origin, "migrate", `${d.job.model} ${d.job.id} off ${site.id}/${unit}: ${d.why}`); dispatch(requests.get(d.job.id)!, sites.get(d.job.origin)!, at, true); }
      }
    }
  };
  // the next time an offload's input lands on an idle unit whose queue holds it (colony's queues)
  const landingAfter = (afterUs: number): number => {
    let m = Infinity;
    for (const site of sites.values()) {
      for (const [unit, q] of site.queues) {
        if (q.running || site.state.failedUnits.includes(unit)) continue;
        const t = q.nextReadyUs();
        if (t !== undefined && t > afterUs && t < m) m = t;
      }
    }
    return m;
  };
  let lastUs = -1;
  const reqs = arrivals(o);
  const events = [...(o.events ?? [])].sort((a, b) => a.atMs - b.atMs);
  let ei = 0;
  let ai = 0;
  for (;;) {
    const nextArrival = reqs[ai]?.atUs ?? Infinity;
    const nextPending = pendingArrivals.reduce((m, p) => Math.min(m, p.atUs), Infinity);
    const nextFinish = running.reduce((m, x) => Math.min(m, x.finishUs), Infinity);
    const nextState = events[ei] ? events[ei]!.atMs * 1000 : Infinity;
    const nextLanding = landingAfter(lastUs);
    const now = Math.min(nextArrival, nextPending, nextFinish, nextState, nextLanding);
    if (now === Infinity) break;
    if (now === nextFinish) complete(now);
    else if (now === nextState) applyState(events[ei++]!);
    else if (now === nextPending) {
      const i = pendingArrivals.findIndex((p) => p.atUs === now);
      const p = pendingArrivals.splice(i, 1)[0]!;
      if (p.site.state.failedUnits.includes(p.unit)) { r.shed++; trace(now, p.job.origin, "shed", `${p.job.model} ${p.job.id}: unit ${p.unit} failed while it was on the way`); }
      else p.site.queues.get(p.unit)!.push(p.job);
    } else if (now === nextLanding) {
      // an offload's input has landed: startFree below starts it
    } else {
      const a = reqs[ai++]!;
      const w = a.device.workload!;
      r.requests++;
      const job: Job = { id: `${a.device.id}#${a.n}`, origin: a.device.id, model: w.model, releaseUs: now, deadlineUs: now + w.deadlineMs * 1000, execUs: 0, energyUj: 0, critical: w.critical };
      dispatch(job, sites.get(a.device.id)!, now, false);
    }
    startFree(now);
    lastUs = now;
  }
  r.trace.sort((a, b) => a.atMs - b.atMs);
  r.missRate = r.requests === 0 ? 0 : (r.requests - r.onTime) / r.requests;
  r.energyPerInferenceUj = ran === 0 ? 0 : r.totalEnergyUj / ran;
  return r;
}
