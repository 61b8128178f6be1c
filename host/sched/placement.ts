// Placement of one inference: on the local CPU, a local accelerator, or a peer's accelerator over
// the bus. Each candidate's finish time is its queue (EDF admission on the real queue), the transfer
// of input and output over the link (scaled by its quality) and the run; among those that meet the
// deadline and that regulation admits, the least energy wins, then the earliest finish.
import type { InferenceCost } from "./cost.ts";
import type { Job } from "./queue.ts";

/** What placement asks of a queue: a local UnitQueue, or a peer's as its presence beat advertises it. */
export interface AdmissionQueue {
  admission(job: Job, nowUs: number): { finishUs: number } | undefined;
}
import type { Verdict } from "./regulation.ts";

/** Bytes a request and its answer carry besides the tensors (topic, CBOR keys, MQTT header). */
export const OFFLOAD_OVERHEAD_BYTES = 96;

export interface Link {
  /** Effective bit rate, bit/s. */
  bps: number;
  /** Round trip through the broker, µs. */
  rttUs: number;
  /** 0..1: share of transmissions that get through (retries stretch the transfer). */
  quality: number;
  /** Radio power of the sender and the receiver while on air, mW. */
  txMw: number;
  rxMw: number;
}

export interface Candidate {
  device: string;
  unit: string;
  /** Undefined for a local unit. */
  link?: Link;
  cost: InferenceCost;
  queue: AdmissionQueue;
  /** Regulation's verdict for the device that would run it (peers: from their presence state). */
  verdict: Verdict;
}

export interface Placement {
  candidate: Candidate;
  job: Job;
  finishUs: number;
  /** Compute and radio energy, µJ. */
  energyUj: number;
  transferUs: number;
}

export interface Refusal {
  refused: true;
  reasons: string[];
}

export interface Request {
  id: string;
  origin: string;
  model: string;
  releaseUs: number;
  deadlineUs: number;
  critical: boolean;
}

/** Time on air and radio energy of one offload over `link` for `cost`'s input and output. */
export function transfer(link: Link, cost: InferenceCost): { us: number; energyUj: number } {
  const bits = (cost.inputBytes + cost.outputBytes + 2 * OFFLOAD_OVERHEAD_BYTES) * 8;
  const airUs = (bits / link.bps) * 1e6;
  const q = Math.max(0.01, link.quality);
  return { us: airUs / q + link.rttUs, energyUj: ((airUs / q) * (link.txMw + link.rxMw)) / 1000 };
}

/** Evaluates every candidate for `req` at `nowUs` and picks one, or says why none fits. */
export function place(req: Request, candidates: readonly Candidate[], nowUs: number): Placement | Refusal {
  const reasons: string[] = [];
  let best: Placement | undefined;
  for (const c of candidates) {
    const where = `${c.device}/${c.unit}`;
    if (!c.verdict.admit) {
      reasons.push(`${where}: ${c.verdict.reason}`);
      continue;
    }
    const t = c.link ? transfer(c.link, c.cost) : { us: 0, energyUj: 0 };
    // the input arrives at the peer after half the transfer; the answer needs the other half
    const arrive = nowUs + t.us / 2;
    const job: Job = { id: req.id, origin: req.origin, model: req.model, releaseUs: req.releaseUs, deadlineUs: req.deadlineUs - t.us / 2, execUs: c.cost.timeUs, energyUj: c.cost.energyUj, critical: req.critical };
    const adm = c.queue.admission(c.link ? { ...job, readyUs: arrive } : job, nowUs);
    if (!adm) {
      reasons.push(`${where}: would miss its deadline or make a queued job miss`);
      continue;
    }
    const p: Placement = { candidate: c, job, finishUs: adm.finishUs + t.us / 2, energyUj: c.cost.energyUj + t.energyUj, transferUs: t.us };
    if (p.finishUs > req.deadlineUs) {
      reasons.push(`${where}: finishes at ${Math.round(p.finishUs)} µs, after the deadline ${Math.round(req.deadlineUs)} µs`);
      continue;
    }
    if (!best || p.energyUj < best.energyUj - 1e-9 || (Math.abs(p.energyUj - best.energyUj) <= 1e-9 && p.finishUs < best.finishUs)) best = p;
  }
  return best ?? { refused: true, reasons };
}

export function isRefusal(p: Placement | Refusal): p is Refusal {
  return (p as Refusal).refused === true;
}
