// Contract-net bids with the scheduler's estimate. A task that needs an inference on the bidder
// (its call for proposals names the model) waits for the unit the scheduler would put it on, so a
// bidder whose queue is long bids later (the eta grows by the wait and the run) and, with a price
// on waiting, higher; one whose units cannot finish the inference in time for the rest of the work
// to meet the task's deadline does not bid at all.
import type { Cfp } from "../coordination/index.ts";
import type { CompiledModel } from "../tinyml/index.ts";
import type { DeviceScheduler } from "./invoke.ts";
import { isRefusal } from "./placement.ts";

export interface SchedBidOptions {
  /** The bid for the rest of the work (distance, battery...), or undefined to stay out. */
  base(cfp: Cfp): { cost: number; eta: number } | undefined;
  scheduler: DeviceScheduler;
  /** The compiled model for a name the task asks for; undefined if this device does not have it. */
  model(name: string): CompiledModel | undefined;
  /** The site's clock, ms (the one the CFP's deadline is on). */
  nowMs(): number;
  /** The model a task needs, if any; by default the CFP's spec.model when it is a string. */
  modelOf?(cfp: Cfp): string | undefined;
  /** Cost added per ms of inference wait and run (default 0: only the eta moves). */
  costPerMs?: number;
}

function specModel(cfp: Cfp): string | undefined {
  const m = (cfp.spec as { model?: unknown } | null)?.model;
  return typeof m === "string" ? m : undefined;
}

/** A contractor's bid function that accounts the inference the task needs on this device. */
export function schedBid(o: SchedBidOptions): (cfp: Cfp) => { cost: number; eta: number } | undefined {
  const costPerMs = o.costPerMs ?? 0;
  if (!(costPerMs >= 0)) throw new RangeError(`schedBid: costPerMs must be 0 or more, got ${o.costPerMs}`);
  return (cfp) => {
    const offer = o.base(cfp);
    const name = (o.modelOf ?? specModel)(cfp);
    if (!offer || name === undefined) return offer;
    const model = o.model(name);
    if (!model) return undefined; // the task needs a model this device does not hold
    const now = o.nowMs();
    // the inference comes first: it must be done with time left for the rest of the work
    const p = o.scheduler.estimate(name, model, now * 1000, (cfp.deadline - offer.eta) * 1000);
    if (isRefusal(p)) return undefined;
    const inferenceMs = p.finishUs / 1000 - now;
    return { cost: offer.cost + costPerMs * inferenceMs, eta: offer.eta + inferenceMs };
  };
}
