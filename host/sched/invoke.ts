// Placement of the model_invoke calls of a running site (the simulator's devices). Each device's
// scheduler keeps an EDF queue per compute unit on the site's clock; for each call it weighs its
// CPU, its accelerator, the peers' accelerators and, within their slack, the peers' CPUs (link by
// the two radios) with the same place()
// as the load sweep, under the same regulation, and queues the job where it went. The caller then
// runs the model there: the unit decides time and energy, never the output bytes.
import type { BoardProfile } from "../kernel/index.ts";
import type { CompiledModel } from "../tinyml/index.ts";
import { inferenceCost } from "./cost.ts";
import { linkBetween } from "./peers.ts";
import { isRefusal, place, type Candidate, type Placement, type Refusal } from "./placement.ts";
import { UnitQueue } from "./queue.ts";
import { lendCpu, ownSlackUs } from "./lending.ts";
import { regulate, type DeviceCondition } from "./regulation.ts";
import { acceleratorUnit, unitsOf, type SchedUnit } from "./units.ts";

/** Deadline of a call whose model has none configured: a second, the production line's slowest. */
export const DEFAULT_INVOKE_DEADLINE_MS = 1000;

export interface InvokePlacement {
  device: string;
  unit: string;
  /** The unit as the model service names it: its CPU or its accelerator. */
  runOn: "cpu" | "npu";
  local: boolean;
  finishUs: number;
  /** Compute and radio energy, µJ, and the radio's part of it. */
  energyUj: number;
  radioUj: number;
  transferUs: number;
}

export type InvokeDecision = { placed: InvokePlacement } | { refused: string[] };

/** The devices of a site that place calls on each other's accelerators. */
export class SiteScheduler {
  private readonly devices = new Map<string, DeviceScheduler>();

  add(d: DeviceScheduler): void {
    if (this.devices.has(d.id)) throw new RangeError(`site scheduler: device "${d.id}" is already in the site`);
    this.devices.set(d.id, d);
  }

  get(id: string): DeviceScheduler {
    const d = this.devices.get(id);
    if (!d) throw new RangeError(`site scheduler: no device "${id}"`);
    return d;
  }

  peersOf(id: string): DeviceScheduler[] {
    return [...this.devices.values()].filter((d) => d.id !== id);
  }
}

export interface DeviceSchedulerOptions {
  id: string;
  board: BoardProfile;
  site: SiteScheduler;
  /** The device's battery level now, 0..1 (default full). */
  battery?: () => number;
  /** Deadline per model, ms from the call (undefined or absent: DEFAULT_INVOKE_DEADLINE_MS). */
  deadlineMs?: (model: string) => number | undefined;
  /** The models this device's own agents call: their deadlines bound the CPU time it lends to peers (none: no bound). */
  own?: readonly { name: string; model: CompiledModel }[];
  rttUs?: number;
  linkQuality?: number;
}

export class DeviceScheduler {
  readonly id: string;
  readonly board: BoardProfile;
  readonly queues = new Map<string, UnitQueue>();
  private readonly cpu: SchedUnit;
  private readonly accelerator: SchedUnit | undefined;
  private failed: string[] = [];
  private seq = 0;

  constructor(private readonly o: DeviceSchedulerOptions) {
    this.id = o.id;
    this.board = o.board;
    const units = unitsOf(o.board);
    this.cpu = units[0]!;
    // the model service runs an operator on the board's one accelerator (npu before dsp), so only that one is a candidate
    this.accelerator = acceleratorUnit(units);
    for (const u of [this.cpu, ...(this.accelerator ? [this.accelerator] : [])]) this.queues.set(u.id, new UnitQueue("edf"));
    o.site.add(this);
  }

  /** A unit stops (regulation then refuses it); its waiting jobs were already answered in the simulator, so none migrate. */
  failUnit(unit: string): void {
    if (!this.queues.has(unit)) throw new RangeError(`device ${this.id} has no unit "${unit}" (${[...this.queues.keys()].join(", ")})`);
    if (!this.failed.includes(unit)) this.failed.push(unit);
  }

  condition(): DeviceCondition {
    return { battery: this.o.battery?.() ?? 1, temperatureC: 40, busy: false, degradedSensors: [], failedUnits: this.failed };
  }

  /** This device's units as candidates for `model` asked by `origin` (a peer's CPU within its slack). */
  candidatesFor(origin: DeviceScheduler, name: string, model: CompiledModel, critical: boolean, nowUs: number): Candidate[] {
    const out: Candidate[] = [];
    const local = origin === this;
    for (const unit of [this.cpu, this.accelerator]) {
      if (!unit) continue;
      const cost = inferenceCost(name, model, unit, this.cpu);
      if (unit.kind !== "cpu" && cost.opsOnCpu > cost.opsOnUnit) continue; // the accelerator covers too little of it
      const q = this.queues.get(unit.id)!;
      q.advanceTo(nowUs);
      let verdict = regulate(this.condition(), { fuelLeft: Infinity, memoryFreeBytes: Infinity, queueLength: q.length }, { unit: unit.id, fuel: 0, memoryBytes: 0, critical: critical || !local });
      // a peer lends its CPU only within the slack its own calls need (lending.ts)
      if (!local && unit === this.cpu && verdict.admit) verdict = lendCpu(q.backlogUs(nowUs), cost.timeUs, this.slackUs());
      out.push({ device: this.id, unit: unit.id, cost, queue: q, verdict, ...(local ? {} : { link: linkBetween(origin.board, this.board, this.o.rttUs, this.o.linkQuality) }) });
    }
    return out;
  }

  private slack: number | undefined;
  /** The least slack of this device's own calls on its CPU, µs (Infinity without any). */
  private slackUs(): number {
    if (this.slack === undefined) {
      const slacks = (this.o.own ?? []).map((m) => ownSlackUs(this.deadlineUs(m.name), inferenceCost(m.name, m.model, this.cpu, this.cpu).timeUs));
      this.slack = Math.min(Infinity, ...slacks);
    }
    return this.slack;
  }

  private deadlineUs(name: string): number {
    const ms = this.o.deadlineMs?.(name) ?? DEFAULT_INVOKE_DEADLINE_MS;
    if (!(ms > 0)) throw new RangeError(`device ${this.id}: the deadline of model "${name}" must be a positive number of ms, got ${ms}`);
    return ms * 1000;
  }

  /** Where a call of `name` at `nowUs` runs, queued there; or every candidate's reason for refusing it. */
  decide(name: string, model: CompiledModel, nowUs: number, critical = true): InvokeDecision {
    const p = this.estimate(name, model, nowUs, nowUs + this.deadlineUs(name), critical);
    if (isRefusal(p)) return { refused: p.reasons };
    const c = p.candidate;
    (c.queue as UnitQueue).push(c.link ? { ...p.job, readyUs: nowUs + p.transferUs / 2 } : p.job);
    return {
      placed: {
        device: c.device, unit: c.unit, runOn: c.unit === this.o.site.get(c.device).cpu.id ? "cpu" : "npu", local: !c.link,
        finishUs: p.finishUs, energyUj: p.energyUj, radioUj: p.energyUj - c.cost.energyUj, transferUs: p.transferUs,
      },
    };
  }

  /** Where a call would run if asked now with this deadline, queuing nothing (a bid's what-if). */
  estimate(name: string, model: CompiledModel, nowUs: number, deadlineUs: number, critical = true): Placement | Refusal {
    const cands = [this, ...this.o.site.peersOf(this.id)].flatMap((d) => d.candidatesFor(this, name, model, critical, nowUs));
    return place({ id: `${this.id}#${++this.seq}`, origin: this.id, model: name, releaseUs: nowUs, deadlineUs, critical }, cands, nowUs);
  }
}
