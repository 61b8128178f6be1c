// A compute unit's run queue. Inferences are not preempted (a kernel runs to the end of the model),
// so the queue orders waiting jobs and the unit takes the head when it is free. EDF orders by
// absolute deadline and admits a job only if every queued job still meets its deadline with it
// (the schedulability test of non-preemptive EDF, run on the actual queue); FIFO orders by arrival
// and admits everything, the baseline.

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
}

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
    for (const j of order) {
      t += j.execUs;
      if (j === job) finishUs = t;
      if (this.discipline === "edf" && t > j.deadlineUs) return undefined;
    }
    return { finishUs };
  }

  push(job: Job): void {
    if (this.discipline === "edf") this.waiting = this.insertEdf(this.waiting, job);
    else this.waiting.push(job);
  }

  /** Starts the head job at `nowUs` if the unit is free; returns it. */
  start(nowUs: number): Job | undefined {
    if (this.running || this.waiting.length === 0) return undefined;
    this.running = this.waiting.shift()!;
    this.busyUntilUs = Math.max(nowUs, this.busyUntilUs) + this.running.execUs;
    return this.running;
  }

  finish(): Job | undefined {
    const j = this.running;
    this.running = undefined;
    return j;
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
