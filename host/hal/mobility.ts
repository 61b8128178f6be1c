// A moving device (a drone flying a route, a quadruped walking to a goal):
// where it is at any virtual time, how far it went and the energy that took.
// Exposed to agents as a position sensor and a motion actuator.
import type { ActuatorCommand, ActuatorSink } from "./actuator.ts";
import type { GridMap, Point } from "./grid.ts";
import type { SensorSource } from "./sensor.ts";

export interface MobilityOptions {
  start: Point;
  /** metres per second */
  speed: number;
  /** joules per metre travelled */
  energyPerMetre: number;
  /** a flying base ignores the map's obstacles */
  flies?: boolean;
  map?: GridMap;
}

interface Leg {
  from: Point;
  to: Point;
  t0: number;
  t1: number;
}

const dist = (a: Point, b: Point) => Math.hypot(b[0] - a[0], b[1] - a[1]);

export class MobileBase {
  private legs: Leg[] = [];
  private loop = false;
  private parked: Point;
  private travelledBefore = 0;
  /** called when a goto finishes: (time, position) */
  onArrive?: (t: number, at: Point) => void;
  private arrivalTimer: (() => void) | undefined;

  constructor(
    readonly opts: MobilityOptions,
    private readonly now: () => number,
    private readonly schedule: (at: number, fn: () => void) => () => void,
  ) {
    this.parked = opts.start;
  }

  /** Position at time t (defaults to now). */
  position(t = this.now()): Point {
    if (this.legs.length === 0) return this.parked;
    const total = this.legs[this.legs.length - 1]!.t1 - this.legs[0]!.t0;
    let tt = t;
    if (this.loop && total > 0 && t > this.legs[0]!.t0) tt = this.legs[0]!.t0 + ((t - this.legs[0]!.t0) % total);
    for (const l of this.legs) {
      if (tt <= l.t1) {
        if (tt <= l.t0) return l.from;
        const f = (tt - l.t0) / (l.t1 - l.t0);
        return [l.from[0] + f * (l.to[0] - l.from[0]), l.from[1] + f * (l.to[1] - l.from[1])];
      }
    }
    return this.legs[this.legs.length - 1]!.to;
  }

  get moving(): boolean {
    if (this.legs.length === 0) return false;
    return this.loop || this.now() < this.legs[this.legs.length - 1]!.t1;
  }

  /** Metres travelled up to now. */
  travelled(t = this.now()): number {
    let d = this.travelledBefore;
    if (this.legs.length === 0) return d;
    const total = this.legs[this.legs.length - 1]!.t1 - this.legs[0]!.t0;
    const lapLen = this.legs.reduce((s, l) => s + dist(l.from, l.to), 0);
    let tt = t;
    if (this.loop && total > 0 && t > this.legs[0]!.t0) {
      const laps = Math.floor((t - this.legs[0]!.t0) / total);
      d += laps * lapLen;
      tt = this.legs[0]!.t0 + ((t - this.legs[0]!.t0) % total);
    }
    for (const l of this.legs) {
      if (tt >= l.t1) d += dist(l.from, l.to);
      else if (tt > l.t0) d += (dist(l.from, l.to) * (tt - l.t0)) / (l.t1 - l.t0);
    }
    return d;
  }

  energyJ(t = this.now()): number {
    return this.travelled(t) * this.opts.energyPerMetre;
  }

  private settle(): void {
    const t = this.now();
    this.parked = this.position(t);
    this.travelledBefore = this.travelled(t);
    this.legs = [];
    this.loop = false;
    this.arrivalTimer?.();
    this.arrivalTimer = undefined;
  }

  private follow(points: Point[], loop: boolean): void {
    let t = this.now();
    let from = this.parked;
    for (const p of points) {
      const dt = (dist(from, p) / this.opts.speed) * 1000;
      this.legs.push({ from, to: p, t0: t, t1: t + dt });
      t += dt;
      from = p;
    }
    this.loop = loop;
    if (!loop && this.legs.length) {
      const end = this.legs[this.legs.length - 1]!;
      this.arrivalTimer = this.schedule(end.t1, () => {
        this.arrivalTimer = undefined;
        this.onArrive?.(end.t1, end.to);
      });
    }
  }

  /** Go to a point, around obstacles unless flying; false when no path exists. */
  goto(target: Point): boolean {
    this.settle();
    const path = this.opts.flies || !this.opts.map ? [target] : this.opts.map.plan(this.parked, target);
    if (!path) return false;
    this.follow(path, false);
    return true;
  }

  /** Fly or walk a closed route for ever (a patrol). */
  patrol(route: Point[]): void {
    this.settle();
    this.follow([...route, route[0]!], true);
  }

  stop(): void {
    this.settle();
  }
}

/** Position sensor: samples are [x, y, moving (0/1), metres travelled]. */
export class PositionSensor implements SensorSource {
  readonly rateHz = 10;
  constructor(
    readonly alias: string,
    private readonly base: MobileBase,
  ) {}
  read(nowMs: number, out: Float32Array): void {
    const [x, y] = this.base.position(nowMs);
    const vals = [x, y, this.base.moving ? 1 : 0, this.base.travelled(nowMs)];
    for (let i = 0; i < out.length; i++) out[i] = vals[i % 4]!;
  }
}

/** A route as [[x, y], ...] or flat [x0, y0, x1, y1, ...] (what an agent's number array gives). */
function route(v: unknown): Point[] | undefined {
  if (!Array.isArray(v) || v.length === 0) return undefined;
  const num = (x: unknown): x is number => typeof x === "number" && Number.isFinite(x);
  if (v.every(num)) {
    if (v.length % 2 !== 0) return undefined;
    const pts: Point[] = [];
    for (let i = 0; i < v.length; i += 2) pts.push([v[i] as number, v[i + 1] as number]);
    return pts;
  }
  if (v.every((p) => Array.isArray(p) && p.length === 2 && p.every(num))) return v as Point[];
  return undefined;
}

/** Motion actuator: {goto: [x, y]}, {patrol: [[x, y], ...] or [x0, y0, ...]}, {stop: true}. */
export class MotionActuator implements ActuatorSink {
  readonly commands: ActuatorCommand[] = [];
  constructor(
    readonly alias: string,
    private readonly base: MobileBase,
  ) {}
  write(cmd: ActuatorCommand): boolean {
    this.commands.push(cmd);
    const c = cmd.command as { goto?: unknown; patrol?: unknown; stop?: unknown };
    const goal = route(c.goto);
    if (goal && goal.length === 1) return this.base.goto(goal[0]!);
    const patrol = route(c.patrol);
    if (patrol) {
      this.base.patrol(patrol);
      return true;
    }
    if (c.stop === true) {
      this.base.stop();
      return true;
    }
    return false;
  }
}
