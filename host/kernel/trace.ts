// What the kernel tells the world: one record per notable event, in time order.

export type TraceType =
  | "start"
  | "log"
  | "publish"
  | "deliver"
  | "actuator"
  | "model"
  | "fault"
  | "restart"
  | "quarantine"
  | "refused"
  | "dropped"
  /** an over-the-air update step: a device's phase, a rollout's state */
  | "ota"
  /** a wallet transaction's settlement (or refusal) by the site ledger */
  | "wallet"
  /** where the scheduler placed a model_invoke (local CPU, local accelerator, a peer's accelerator) */
  | "sched";

export interface TraceEvent {
  t: number;
  device: string;
  agent?: string;
  type: TraceType;
  text: string;
  data?: Record<string, unknown>;
}

export type TraceSink = (e: TraceEvent) => void;

/** Keeps every event (optionally only some types) for a report. */
export class TraceLog {
  readonly events: TraceEvent[] = [];
  constructor(private readonly keep?: ReadonlySet<TraceType>) {}
  readonly sink: TraceSink = (e) => {
    if (!this.keep || this.keep.has(e.type)) this.events.push(e);
  };
}
