// A compute unit's run queue. Inferences are not preempted (a kernel runs to the end of the model),
// so the queue orders waiting jobs and the unit takes the head when it is free. EDF orders by
// absolute deadline and admits a job only if every queued job still meets its deadline with it
// (the schedulability test of non-preemptive EDF, run on the actual queue); FIFO orders by arrival
// and admits everything, the baseline. A job offloaded from a peer is queued when it is sent, with
// the time its input arrives (readyUs): the unit cannot start it before, but every admission
// decision taken meanwhile counts it, so a local job admitted while the input is on the way cannot
// push it past its deadline.

export interface Job {
  id: string;
  /** Device that asked for the inference. */
  origin: string;
  model: string;
  releaseUs: number;
  /** Absolute deadline, µs on the run's clock. */
  deadlineUs: number;
  /** Time on this unit, µs (cost model), and energy, µJ. */
  execUs: number;
  energyUj: number;
  /** Best-effort jobs are the first shed when the device's state degrades. */
  critical: boolean;
  /** When the job's input is on the unit's device (an offload's transfer); undefined: at its release. */
  readyUs?: number;
}

/** The earliest time the unit may start `j`. */
const readyOf = (j: Job): number => j.readyUs ?? j.releaseUs;

export type Discipline = "edf" | "fifo";

export class UnitQueue {
  private waiting: Job[] = [];
  /** When the job now running (if any) finishes. */
  busyUntilUs = 0;
  running: Job | undefined;

  constructor(readonly discipline: Discipline) {}

  get length(): number {
    return this.waiting.length + (this.running ? 1 : 0);
  }

  /** Work ahead of a new job, µs from `nowUs` (what presence advertises as load). */
  backlogUs(nowUs: number): number {
    return Math.max(0, this.busyUntilUs - nowUs) + this.waiting.reduce((a, j) => a + j.execUs, 0);
  }

  /** When `job` would finish if queued now, or undefined if EDF's test fails for it or for a queued job. */
  admission(job: Job, nowUs: number): { finishUs: number } | undefined {
    const order = this.discipline === "edf" ? this.insertEdf([...this.waiting], job) : [...this.waiting, job];
    let t = Math.max(nowUs, this.busyUntilUs);
    let finishUs = 0;
    // run the queue as start() will: the first job in order whose input is there, idling until one is
    while (order.length > 0) {
      let i = order.findIndex((j) => readyOf(j) <= t);
      if (i < 0) {
        t = Math.min(...order.map(readyOf));
        i = order.findIndex((j) => readyOf(j) <= t);
      }
      const j = order.splice(i, 1)[0]!;
      t += j.execUs;
      if (j === job) finishUs = t;
      if (this.discipline === "edf" && t > j.deadlineUs) return undefined;
    }
    return { finishUs };
  }

  /** When the unit next has a job it can start (the earliest input still on the way), if any is waiting. */
  nextReadyUs(): number | undefined {
    return this.waiting.length === 0 ? undefined : Math.min(...this.waiting.map(readyOf));
  }

  push(job: Job): void {
    if (this.discipline === "edf") this.waiting = this.insertEdf(this.waiting, job);
    else this.waiting.push(job);
  }

  /** Starts the first job in order whose input is there at `nowUs`, if the unit is free; returns it. */
  start(nowUs: number): Job | undefined {
    if (this.running) return undefined;
    const i = this.waiting.findIndex((j) => readyOf(j) <= nowUs);
    if (i < 0) return undefined;
    this.running = this.waiting.splice(i, 1)[0]!;
    this.busyUntilUs = Math.max(nowUs, this.busyUntilUs) + this.running.execUs;
    return this.running;
  }

  finish(): Job | undefined {
    const j = this.running;
    this.running = undefined;
    return j;
  }

  /** Runs the queue forward to `nowUs` for a caller without an event loop (a live device): finishes what is done by then and starts what follows, as the unit would have. */
  advanceTo(nowUs: number): Job[] {
    const done: Job[] = [];
    for (;;) {
      if (this.running) {
        if (this.busyUntilUs > nowUs) break;
        done.push(this.finish()!);
      }
      const ready = this.nextReadyUs();
      if (ready === undefined || Math.max(ready, this.busyUntilUs) > nowUs) break;
      this.start(Math.max(ready, this.busyUntilUs));
    }
    return done;
  }

  /** Takes every waiting job out (the unit failed or the device sheds its queue). */
  drain(): Job[] {
    const out = this.waiting;
    this.waiting = [];
    return out;
  }

  private insertEdf(list: Job[], job: Job): Job[] {
    let i = list.length;
    while (i > 0 && list[i - 1]!.deadlineUs > job.deadlineUs) i--;
    list.splice(i, 0, job);
    return list;
  }
}
