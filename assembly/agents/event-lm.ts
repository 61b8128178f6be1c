import { Agent, Fields, Message, bus, log, model, state } from "../sdk";

// The model's vocabulary (models/event-lm.md; token id = position, 0 pads, 1 is any unknown word), its
// sequence length and its two heads. test/tinyml/event-lm-agent.test.ts checks these against the training script.
const VOCAB = "<pad> <unk> vibration high spike shaking noise abnormal bearing wear temperature overheat hot temp rising thermal alarm battery low charge critical power door open ajar left defect detected scratch crack part faulty leak pressure drop flood jam emergency status ok normal heartbeat idle running pump-1 pump-2 pump-3 pump-4 conveyor-1 conveyor-2 robot-1 robot-2 door-a door-b camera-1 drone-1 room-a room-b zone-3 line-1 at on near now again sensor reading please shift-2 night 42 7 event report from by reports";
const ACTIONS = "none inspect cool recharge close reject stop";
const TARGETS = "pump-1 pump-2 pump-3 pump-4 conveyor-1 conveyor-2 robot-1 robot-2 door-a door-b camera-1 drone-1";
const SEQ = 10;

/**
 * Reads the `text` of every event on the site ("vibration high pump-3 room-b") with the int8 transformer
 * encoder event-lm and publishes the instruction it calls for on plan/instruction: {action, target,
 * confidence, from}. Events without text are not for it. `confidence` is the action head's softmax
 * probability, from the logits dequantized with `logitScale` (the model output's scale, in its card).
 */
export class EventLm extends Agent {
  cfg: Fields = state.config();
  vocab: Map<string, i32> = new Map<string, i32>();
  actions: string[] = ACTIONS.split(" ");
  targets: string[] = TARGETS.split(" ");
  ids: Int8Array = new Int8Array(SEQ);
  logits: Int8Array = new Int8Array(0);
  read: i32 = 0;

  init(): void {
    const words = VOCAB.split(" ");
    for (let i = 0; i < words.length; i++) this.vocab.set(words[i], i);
    this.logits = new Int8Array(this.actions.length + this.targets.length);
    bus.subscribe(this.cfg.str("filter", "event/#"));
  }

  onMessage(msg: Message): void {
    const text = msg.body.str("text");
    if (text.length == 0) return;
    this.tokenize(text);
    const n = model.invoke("event-lm", this.ids, this.logits);
    if (n != this.logits.length) {
      log.warn("event-lm: model_invoke returned " + n.toString());
      return;
    }
    const na = this.actions.length;
    const action = argmax(this.logits, 0, na);
    const target = argmax(this.logits, na, this.logits.length) - na;
    this.read++;
    bus.publish("plan/instruction", bus.body()
      .str("action", this.actions[action])
      .str("target", this.targets[target])
      .f64("confidence", this.confidence(action))
      .str("from", msg.topic)
      .str("text", text), 1);
  }

  /** Lower-cased words (letters, digits, '-'), unknown ones as 1, padded with 0, as the training script's tokenize. */
  tokenize(text: string): void {
    this.ids.fill(0);
    let word = "", count = 0;
    for (let i = 0; i <= text.length && count < SEQ; i++) {
      let c = i < text.length ? text.charCodeAt(i) : 32;
      if (c >= 65 && c <= 90) c += 32;
      if ((c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c == 45) {
        word += String.fromCharCode(c);
      } else if (word.length > 0) {
        this.ids[count++] = <i8>(this.vocab.has(word) ? this.vocab.get(word) : 1);
        word = "";
      }
    }
  }

  confidence(action: i32): f64 {
    const scale = this.cfg.f64("logitScale", 0);
    if (scale <= 0) return 0;
    const na = this.actions.length;
    const top = <f64>this.logits[argmax(this.logits, 0, na)];
    let sum: f64 = 0;
    for (let i = 0; i < na; i++) sum += Math.exp(scale * (<f64>this.logits[i] - top));
    return Math.exp(scale * (<f64>this.logits[action] - top)) / sum;
  }
}

function argmax(xs: Int8Array, from: i32, to: i32): i32 {
  let best = from;
  for (let i = from + 1; i < to; i++) if (xs[i] > xs[best]) best = i;
  return best;
}
