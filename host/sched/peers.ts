// Peers' load and state from their presence beats: each device advertises its units' backlog,
// failed units and temperature (DeviceState.compute); a requester turns the live peers' adverts
// into placement candidates, regulated by the peer's advertised state, so offload goes where
// the queue is short, the battery is not low and the unit works.
import type { ComputeAdvert, DeviceState, PeerInfo } from "../coordination/index.ts";
import { loadBoard, type BoardProfile } from "../kernel/index.ts";
import { bitRate } from "../sim/energy.ts";
import type { CompiledModel } from "../tinyml/index.ts";
import { inferenceCost } from "./cost.ts";
import type { AdmissionQueue, Candidate, Link } from "./placement.ts";
import type { Job, UnitQueue } from "./queue.ts";
import { regulate, type RegulationPolicy, DEFAULT_POLICY } from "./regulation.ts";
import { unitsOf } from "./units.ts";

/** This device's advert for its next presence beat. */
export function computeAdvert(board: BoardProfile, queues: ReadonlyMap<string, UnitQueue>, nowUs: number, failedUnits: string[] = [], temperatureC = 40): ComputeAdvert {
  return { board: board.name, units: unitsOf(board).map((u) => ({ id: u.id, kind: u.kind, backlogUs: Math.round(queues.get(u.id)?.backlogUs(nowUs) ?? 0) })), failedUnits, temperatureC };
}

/** A peer's queue as advertised: work ahead of a new job is the backlog it last announced. */
export class AdvertisedQueue implements AdmissionQueue {
  constructor(readonly backlogUs: number) {}
  admission(job: Job, nowUs: number): { finishUs: number } | undefined {
    // the backlog drains while the input is on its way
    const finishUs = Math.max(nowUs + this.backlogUs, job.readyUs ?? nowUs) + job.execUs;
    return finishUs <= job.deadlineUs ? { finishUs } : undefined;
  }
}

export function linkBetween(from: BoardProfile, to: BoardProfile, rttUs = 4000, quality = 0.95): Link {
  return { bps: Math.min(bitRate(from.radios), bitRate(to.radios)), rttUs, quality, txMw: from.power.radioTxMw + to.power.radioTxMw, rxMw: from.power.radioRxMw + to.power.radioRxMw };
}

/** Candidates on live peers' accelerators for `model` (peers without an advert or an accelerator give none). */
export function peerCandidates(me: BoardProfile, peers: readonly PeerInfo[], name: string, model: CompiledModel, policy: RegulationPolicy = DEFAULT_POLICY): Candidate[] {
  const out: Candidate[] = [];
  for (const p of peers) {
    const ad = (p.state as DeviceState).compute;
    if (!p.alive || !ad) continue;
    const board = loadBoard(ad.board);
    const units = unitsOf(board);
    for (const u of units) {
      if (u.kind === "cpu") continue; // a peer lends its accelerator, not the CPU its agents run on
      const cost = inferenceCost(name, model, u, units[0]!);
      if (cost.opsOnCpu > cost.opsOnUnit) continue;
      const backlog = ad.units.find((x) => x.id === u.id)?.backlogUs ?? 0;
      const verdict = regulate(
        { battery: p.state.battery, temperatureC: ad.temperatureC, busy: false, degradedSensors: [], failedUnits: ad.failedUnits },
        { fuelLeft: Infinity, memoryFreeBytes: Infinity, queueLength: 0 },
        { unit: u.id, fuel: 0, memoryBytes: 0, critical: false },
        policy,
      );
      out.push({ device: p.id, unit: u.id, link: linkBetween(me, board), cost, queue: new AdvertisedQueue(backlog), verdict });
    }
  }
  return out;
}
