// The event-to-instruction task: seeded event texts of a production line / pump room ("vibration high pump-3
// room-b") and the instruction each calls for ({action: inspect, target: pump-3}). Paraphrases, word order
// and distractor tokens vary; the same seed gives the same corpus.

/** Tokens per event; shorter events are padded with PAD, longer ones cut. */
export const SEQ = 10;
export const PAD = 0;
export const UNK = 1;

export const ACTIONS = ["none", "inspect", "cool", "recharge", "close", "reject", "stop"] as const;
export const TARGETS = [
  "pump-1", "pump-2", "pump-3", "pump-4", "conveyor-1", "conveyor-2", "robot-1", "robot-2",
  "door-a", "door-b", "camera-1", "drone-1",
] as const;
export type Action = (typeof ACTIONS)[number];
export type Target = (typeof TARGETS)[number];

/** Phrasings of each condition; each names the action it calls for. */
const CONDITIONS: { action: Action; phrases: string[][] }[] = [
  { action: "inspect", phrases: [["vibration", "high"], ["vibration", "spike"], ["shaking"], ["noise", "abnormal"], ["bearing", "wear"]] },
  { action: "cool", phrases: [["temperature", "high"], ["overheat"], ["hot"], ["temp", "rising"], ["thermal", "alarm"]] },
  { action: "recharge", phrases: [["battery", "low"], ["charge", "low"], ["battery", "critical"], ["power", "low"]] },
  { action: "close", phrases: [["door", "open"], ["door", "ajar"], ["left", "open"], ["open"]] },
  { action: "reject", phrases: [["defect"], ["defect", "detected"], ["scratch"], ["crack"], ["part", "faulty"]] },
  { action: "stop", phrases: [["leak"], ["pressure", "drop"], ["flood"], ["jam"], ["emergency"]] },
  { action: "none", phrases: [["status", "ok"], ["normal"], ["heartbeat"], ["idle"], ["running"]] },
];
/** How an event names the device that reported it (another device than the target): "from drone-1", "camera-1 reports". */
const REPORTERS: ((device: string) => string[])[] = [(d) => ["from", d], (d) => ["by", d], (d) => [d, "reports"]];
/** Tokens that carry no instruction: places, times, filler, readings. */
const DISTRACTORS = ["room-a", "room-b", "zone-3", "line-1", "at", "on", "near", "now", "again", "sensor", "reading", "please", "shift-2", "night", "42", "7", "event", "report"];

/** The vocabulary: PAD, UNK, then every token the generator writes, in a fixed order. */
export const VOCAB: string[] = ["<pad>", "<unk>", ...new Set([
  ...CONDITIONS.flatMap((c) => c.phrases.flat()), ...TARGETS, ...DISTRACTORS, "from", "by", "reports",
])];
const INDEX = new Map(VOCAB.map((w, i) => [w, i]));

/** Lower-cased words of a text (split on anything but letters, digits and '-'), as token ids, PAD-filled to SEQ. */
export function tokenize(text: string): Int8Array {
  const ids = new Int8Array(SEQ).fill(PAD);
  const words = text.toLowerCase().split(/[^a-z0-9-]+/).filter((w) => w.length > 0);
  for (let i = 0; i < Math.min(SEQ, words.length); i++) ids[i] = INDEX.get(words[i]!) ?? UNK;
  return ids;
}

export interface Example {
  text: string;
  action: number;
  target: number;
}

/** A small seeded generator (xorshift32); every draw of the corpus goes through it. */
export class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = (seed >>> 0) || 0x9e3779b9;
  }
  next(): number {
    let x = this.s;
    x ^= x << 13; x ^= x >>> 17; x ^= x << 5;
    this.s = x >>> 0;
    return this.s / 2 ** 32;
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)]!;
  }
}

/**
 * One event: a condition phrase and a target in either order, 0-3 distractors anywhere, sometimes a typo (an
 * unknown word), sometimes the reporting device before or after ("drone-1 reports vibration high pump-3").
 */
export function example(rng: Rng): Example {
  const c = rng.int(CONDITIONS.length);
  const cond = CONDITIONS[c]!;
  const t = rng.int(TARGETS.length);
  const phrase = [...rng.pick(cond.phrases)];
  let words = rng.next() < 0.5 ? [...phrase, TARGETS[t]!] : [TARGETS[t]!, ...phrase];
  const extra = rng.int(4);
  for (let i = 0; i < extra; i++) {
    const at = rng.int(words.length + 1);
    words = [...words.slice(0, at), rng.pick(DISTRACTORS), ...words.slice(at)];
  }
  if (rng.next() < 0.1) words.splice(rng.int(words.length + 1), 0, "xyzzy");
  // A third of the events name their reporter too: a second device, not the target.
  if (rng.next() < 0.35) {
    const other = TARGETS[(t + 1 + rng.int(TARGETS.length - 1)) % TARGETS.length]!;
    const said = rng.pick(REPORTERS)(other);
    words = rng.next() < 0.5 ? [...said, ...words] : [...words, ...said];
  }
  return { text: words.slice(0, SEQ).join(" "), action: ACTIONS.indexOf(cond.action), target: t };
}

/** The training and held-out sets, drawn in turn from one seeded stream. */
export function corpus(seed: number, train: number, heldOut: number): { train: Example[]; heldOut: Example[] } {
  const rng = new Rng(seed);
  const trainSet = Array.from({ length: train }, () => example(rng));
  // Held-out events are texts the training set does not contain (nor each other).
  const seen = new Set(trainSet.map((e) => e.text));
  const held: Example[] = [];
  while (held.length < heldOut) {
    const e = example(rng);
    if (!seen.has(e.text)) { held.push(e); seen.add(e.text); }
  }
  return { train: trainSet, heldOut: held };
}
