// Federated learning over the coordination layer. Devices elect an aggregator
// (coordination's Election); the aggregator publishes a round's model, retained; every device
// trains it on its own data and answers with its weights and sample count only; the
// aggregator averages them weighted by count (FedAvg) into the next round's model. Round 0
// gathers feature statistics (sums, not samples) for a common standardisation. If the
// aggregator dies, a new one is elected, reads the last retained model and goes on.
// Everything is signed envelopes on the in-process bus with its network model (loss,
// partitions, crashes), on a virtual clock: a run is reproducible from its seed.
import { CoordNode, Election, Presence, presenceWill } from "../coordination/index.ts";
import { VirtualClock } from "../kernel/scheduler.ts";
import { InProcessBus, InProcessTransport, type NetworkModel } from "../net/inproc/index.ts";
import { deviceKeyFromSeed, KeyRing } from "../net/keys.ts";
import { deviceData, type DeviceData, type DataOptions, type Sample } from "./data.ts";
import { FEATURES } from "./features.ts";
import { EgressMonitor, type EgressCount } from "./egress.ts";
import { decodeModel, decodeUpdate, encodeModel, encodeUpdate, MODEL_KIND, MODEL_TOPIC, UPDATE_KIND, UPDATE_TOPIC, UpdateRefused, type ModelMessage } from "./messages.ts";
import { accuracy, train, zeroWeights, type TrainOptions, type Weights } from "./model.ts";
import { standardise, type Scaling } from "./scaling.ts";

export interface FederationOptions {
  devices: number;
  rounds: number;
  seed: number;
  data?: Partial<DataOptions>;
  train?: Partial<TrainOptions>;
  network?: Partial<NetworkModel>;
  /** how long the aggregator waits for a round's updates, ms */
  roundTimeoutMs?: number;
  /** kill the aggregator once this round's model is out (failover test) */
  killAggregatorAtRound?: number;
  /** a device that also publishes a raw window (to prove the egress monitor sees it) */
  leakyDevice?: number;
  /** a device whose updates are broken (wrong shape, not finite): refused, never averaged */
  brokenDevice?: number;
}

export interface FederationResult {
  rounds: number;
  /** accuracy of the final federated model on every device's held-out windows */
  federatedAccuracy: number;
  centralisedAccuracy: number;
  /** per device: the final model on that device's own held-out windows */
  perDevice: { device: string; samples: number; accuracy: number }[];
  aggregators: { device: string; term: number; fromRound: number }[];
  egress: EgressCount;
  /** bytes of one update message on the wire, and of one device's raw windows */
  updateBytes: number;
  rawBytesPerDevice: number;
  refused: Record<string, number>;
  weights: number[];
  virtualMs: number;
}

const SITE = "learning";
const ROLE = "fl-aggregator";

export const DEFAULT_TRAIN: TrainOptions = { epochs: 20, learningRate: 0.2, l2: 0.001 };
const DEFAULT_DATA: DataOptions = { windows: 240, testShare: 0.25, iid: false };

interface Participant {
  id: string;
  data: DeviceData;
  node: CoordNode;
  election: Election;
  /** rounds this device has trained */
  trained: number;
  /** the last model it received: what it carries on from if it becomes the aggregator */
  last?: ModelMessage;
  term: number;
  alive: boolean;
}

export function runFederation(o: FederationOptions): FederationResult {
  const trainOpts = { ...DEFAULT_TRAIN, ...o.train };
  const dataOpts = { ...DEFAULT_DATA, ...o.data };
  const d = FEATURES.length;
  const clock = new VirtualClock();
  const bus = new InProcessBus(clock, { latency: 5, jitter: 5, ...o.network }, o.seed);
  const ring = new KeyRing();
  const roundTimeout = o.roundTimeoutMs ?? 400;
  const all = Array.from({ length: o.devices }, (_, i) => deviceData(i, o.seed, dataOpts));
  const monitor = new EgressMonitor(all.flatMap((x) => x.raw));
  // the broker's view: one more client subscribed to everything on the site
  const tap = new InProcessTransport(bus, { name: "egress-monitor" });
  void tap.connect();
  void tap.subscribe(`colony/${SITE}/#`, (topic, payload) => monitor.inspect(topic, payload));
  const refused: Record<string, number> = {};
  const aggregators: FederationResult["aggregators"] = [];

  const people: Participant[] = all.map((data, i) => {
    const id = data.device;
    const seed = new Uint8Array(32);
    seed[0] = i & 255;
    seed[1] = i >> 8;
    seed[2] = o.seed & 255;
    seed[31] = 0x4c;
    const key = deviceKeyFromSeed(id, seed);
    ring.add(id, key.publicKey);
    const transport = new InProcessTransport(bus, { name: id, will: presenceWill(key, SITE, 1, 0), queueLimit: 10_000 });
    void transport.connect();
    const node = new CoordNode({ transport, clock, key, keys: ring, site: SITE, log: () => undefined });
    const presence = new Presence(node, { battery: 1, load: 0, capabilities: ["learn"], position: [0, 0, 0] }, { every: 200, epoch: 1 });
    presence.start();
    const election = new Election(node, { role: ROLE, lease: 600, presence });
    return { id, data, node, election, trained: -1, term: 0, alive: true };
  });

  // ---- every device: train what the aggregator sends, answer with weights and a count ----
  for (const p of people) {
    p.node.on(MODEL_TOPIC, (env) => {
      if (env.kind !== MODEL_KIND || !p.alive) return;
      let m: ModelMessage;
      try {
        m = decodeModel(env.body, d);
      } catch (e) {
        refused[(e as UpdateRefused).reason ?? "malformed"] = (refused[(e as UpdateRefused).reason ?? "malformed"] ?? 0) + 1;
        return;
      }
      if (m.term < p.term || (m.term === p.term && m.round <= p.trained)) return;
      p.last = m;
      if (m.final) return;
      p.term = m.term;
      p.trained = m.round;
      if (m.round === 0) {
        const sum = new Float64Array(d);
        const sumsq = new Float64Array(d);
        for (const s of p.data.train)
          for (let k = 0; k < d; k++) {
            sum[k]! += s.x[k]!;
            sumsq[k]! += s.x[k]! * s.x[k]!;
          }
        p.node.send(UPDATE_TOPIC, UPDATE_KIND, encodeUpdate({ round: 0, device: p.id, n: p.data.train.length, sum, sumsq }));
      } else {
        const local = standardise(p.data.train, { mean: m.mean!, std: m.std! });
        const w = train(m.weights!, local, trainOpts);
        if (o.brokenDevice !== undefined && p.id === people[o.brokenDevice]!.id) {
          // the test double of a broken device: a truncated vector, then one with a NaN
          const bad = m.round % 2 ? w.subarray(0, d) : Float64Array.from(w, (v, k) => (k === 0 ? Number.NaN : v));
          p.node.send(UPDATE_TOPIC, UPDATE_KIND, encodeUpdate({ round: m.round, device: p.id, n: local.length, weights: bad }));
        } else p.node.send(UPDATE_TOPIC, UPDATE_KIND, encodeUpdate({ round: m.round, device: p.id, n: local.length, weights: w }));
      }
      if (o.leakyDevice !== undefined && p.id === people[o.leakyDevice]!.id && m.round === 1)
        // the test double of a careless agent: it ships one raw window "for debugging"
        p.node.send("debug/window", "debug.raw", { window: new Uint8Array(p.data.raw[0]!.buffer.slice(0)) });
    });
  }

  // ---- the aggregator: whoever the election made leader ----
  let collecting: { round: number; term: number; got: Map<string, { n: number; sum?: Float64Array; sumsq?: Float64Array; weights?: Float64Array }>; deadline: number } | undefined;
  let scaling: Scaling | undefined;
  let weights: Weights = zeroWeights(d);
  let done = false;
  let killed = false;
  const maxSamples = dataOpts.windows;

  const publishModel = (leader: Participant, m: ModelMessage) => {
    leader.last = m;
    leader.node.send(MODEL_TOPIC, MODEL_KIND, encodeModel(m), { qos: 1, retain: true });
    collecting = { round: m.round, term: m.term, got: new Map(), deadline: clock.now() + roundTimeout };
    if (o.killAggregatorAtRound === m.round && !m.final && !killed) {
      killed = true;
      // the aggregator dies right after sending this round's model
      leader.alive = false;
      leader.election.stop();
      bus.crash(leader.id);
      collecting = undefined;
    }
  };

  for (const p of people) {
    p.node.on(UPDATE_TOPIC, (env) => {
      if (env.kind !== UPDATE_KIND || !p.alive || !p.election.isLeader() || !collecting) return;
      let u;
      try {
        u = decodeUpdate(env.body, d, collecting.round, maxSamples);
      } catch (e) {
        const reason = e instanceof UpdateRefused ? e.reason : "malformed";
        // an update for a round already closed is late, not wrong: not counted
        if (reason !== "stale-round") refused[reason] = (refused[reason] ?? 0) + 1;
        return;
      }
      // an update speaks for the device that signed it, whatever its body says
      if (u.device !== env.from) {
        refused["wrong-sender"] = (refused["wrong-sender"] ?? 0) + 1;
        return;
      }
      collecting.got.set(env.from, "weights" in u ? { n: u.n, weights: u.weights } : { n: u.n, sum: u.sum, sumsq: u.sumsq });
    });
    p.election.onChange((e) => {
      if (e.leader !== p.id || !p.alive || done) return;
      // a new aggregator: go on from the last model this device saw (retained on the bus)
      const from = p.last && p.last.term <= e.term ? p.last : undefined;
      aggregators.push({ device: p.id, term: e.term, fromRound: from?.round ?? 0 });
      if (from?.mean && from.std) scaling = { mean: from.mean, std: from.std };
      if (from?.weights) weights = Float64Array.from(from.weights);
      publishModel(p, { ...(from ?? { round: 0 }), term: e.term, round: from?.round ?? 0 });
    });
    p.election.start();
  }

  const closeRound = (leader: Participant) => {
    const c = collecting!;
    const got = [...c.got.values()];
    collecting = undefined;
    if (got.length === 0) return publishModel(leader, { ...leader.last!, term: c.term });
    const n = got.reduce((s, g) => s + g.n, 0);
    if (c.round === 0) {
      const mean = new Float64Array(d);
      const std = new Float64Array(d);
      for (let k = 0; k < d; k++) {
        const sum = got.reduce((s, g) => s + g.sum![k]!, 0);
        const sq = got.reduce((s, g) => s + g.sumsq![k]!, 0);
        mean[k] = sum / n;
        std[k] = Math.sqrt(Math.max(1e-12, sq / n - mean[k]! ** 2));
      }
      scaling = { mean, std };
      weights = zeroWeights(d);
    } else {
      const avg = new Float64Array(d + 1);
      for (const g of got) for (let k = 0; k <= d; k++) avg[k]! += (g.n / n) * g.weights![k]!;
      weights = avg;
    }
    const next = c.round + 1;
    done = next > o.rounds;
    publishModel(leader, { round: next, term: c.term, weights, mean: scaling!.mean, std: scaling!.std, ...(done ? { final: true } : {}) });
  };

  // drive the clock: close a round when every live device answered or its time ran out
  const limit = 200 + o.rounds * (roundTimeout + 2000) + 10_000;
  while (!done && clock.now() < limit) {
    clock.runUntil(clock.now() + 20);
    const leader = people.find((p) => p.alive && p.election.isLeader());
    if (!leader || !collecting) continue;
    const live = people.filter((p) => p.alive).length;
    if (collecting.got.size >= live || clock.now() >= collecting.deadline) closeRound(leader);
  }
  clock.runUntil(clock.now() + 200);
  if (!done) throw new Error(`federated learning did not finish ${o.rounds} rounds in ${limit} ms of virtual time`);

  const test = all.flatMap((x) => x.test);
  const s = scaling!;
  const central = centralised(all, o.rounds, trainOpts);
  return {
    rounds: o.rounds,
    federatedAccuracy: accuracy(weights, standardise(test, s)),
    centralisedAccuracy: central,
    perDevice: all.map((x) => ({ device: x.device, samples: x.train.length, accuracy: accuracy(weights, standardise(x.test, s)) })),
    aggregators,
    egress: monitor.count,
    // measured on the wire by the monitor: round 0's statistics and the weights, signed
    updateBytes: Math.round((monitor.count.byKind[UPDATE_KIND]?.bytes ?? 0) / Math.max(1, monitor.count.byKind[UPDATE_KIND]?.messages ?? 0)),
    rawBytesPerDevice: all[0]!.raw.reduce((n, w) => n + w.byteLength, 0),
    refused,
    weights: [...weights],
    virtualMs: clock.now(),
  };
}

/** The baseline: all devices' training windows pooled in one place, the same model and steps. */
export function centralised(all: readonly DeviceData[], rounds: number, t: TrainOptions): number {
  const pooled: Sample[] = all.flatMap((x) => x.train);
  const d = FEATURES.length;
  const mean = new Float64Array(d);
  const std = new Float64Array(d);
  for (let k = 0; k < d; k++) {
    mean[k] = pooled.reduce((s, x) => s + x.x[k]!, 0) / pooled.length;
    std[k] = Math.sqrt(Math.max(1e-12, pooled.reduce((s, x) => s + x.x[k]! ** 2, 0) / pooled.length - mean[k]! ** 2));
  }
  const scale = { mean, std };
  const w = train(zeroWeights(d), standardise(pooled, scale), { ...t, epochs: t.epochs * rounds });
  return accuracy(w, standardise(all.flatMap((x) => x.test), scale));
}
