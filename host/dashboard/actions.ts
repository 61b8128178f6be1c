// The operator's halt and rollback. The dashboard acts only with the site's publisher key, the
// one that signed the rollout's bundle; without it every action is refused.
import { RolloutController, type OtaTransport, type PublisherKey } from "../ota/index.ts";
import type { FleetModel } from "./model.ts";

export type RolloutAction = "halt" | "rollback";

export class ActionError extends Error {
  constructor(
    readonly status: 400 | 403 | 404 | 409,
    message: string,
  ) {
    super(message);
  }
}

export interface ActionResult {
  rollout: string;
  action: RolloutAction;
  /** the rollout's state when the request returns */
  state: string;
}

export const NO_KEY = "no key: start the dashboard with --key";

export async function actOnRollout(o: { transport: OtaTransport; site: string; model: FleetModel; key: PublisherKey | null; id: string; action: RolloutAction }): Promise<ActionResult> {
  if (!o.key) throw new ActionError(403, NO_KEY);
  const seen = o.model.rollout(o.id);
  if (!seen) throw new ActionError(404, `no rollout "${o.id}" on site ${o.site}`);
  const signer = o.model.signerOf(seen.bundle);
  if (signer !== o.key.id) throw new ActionError(403, `key ${o.key.id} did not sign rollout "${o.id}" (its bundle is signed by ${signer ?? "a key not seen yet"})`);
  let ctl: RolloutController;
  try {
    ctl = await RolloutController.open(o.transport, o.site, o.id, { settleMs: 150 });
  } catch (e) {
    throw new ActionError(404, (e as Error).message);
  }
  if (o.action === "halt") {
    if (ctl.state.state !== "running") throw new ActionError(409, `rollout "${o.id}" is ${ctl.state.state}, not running`);
    const r = await ctl.halt();
    return { rollout: r.id, action: o.action, state: r.state };
  }
  if (ctl.state.state === "rolled-back") throw new ActionError(409, `rollout "${o.id}" is already rolled back`);
  // the devices answer over seconds; the model shows their progress, the request returns at once
  const done = ctl.rollback();
  done.catch(() => undefined);
  return { rollout: o.id, action: o.action, state: "rolling back" };
}
