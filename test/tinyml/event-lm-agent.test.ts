// The event-lm agent on a gateway-class device: it tokenizes an event's text with the model's vocabulary,
// runs model_invoke and publishes the instruction; checked against the host's tokenizer and the integer
// reference on held-out events.
import { decode, Encoder } from "cbor-x";
import { readFileSync } from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { buildAgents } from "../../host/compile/index.ts";
import { V8Engine } from "../../host/engines/index.ts";
import { Device, LocalBus, loadBoard, parseManifest, TraceLog, VirtualClock, type BusMessage } from "../../host/kernel/index.ts";
import { compileModel, ModelService } from "../../host/tinyml/index.ts";
import { ACTIONS, corpus, SEQ, TARGETS, tokenize, VOCAB } from "../../scripts/event-lm/corpus.ts";
import { decide } from "../../scripts/event-lm/float-model.ts";
import { readGraph, T } from "../../scripts/event-lm/graph.ts";
import { referenceInvoke } from "../../scripts/event-lm/int8-reference.ts";
import { DEFAULT_TRAIN } from "../../scripts/event-lm/train.ts";
import { ROOT } from "./fixtures.ts";

const cbor = new Encoder({ useRecords: false, variableMapSize: true });
const OUT = path.join(ROOT, "build/test-event-lm-agent");
const file = new Uint8Array(readFileSync(path.join(ROOT, "models/event-lm.tflite")));
const graph = readGraph(file);
const logitScale = graph[T.z]!.scale!;

describe("the event-lm agent", () => {
  let send: (topic: string, body: Record<string, unknown>) => Record<string, unknown>[];
  beforeAll(async () => {
    await buildAgents({ root: ROOT, outDir: OUT, only: ["event-lm"] });
    const clock = new VirtualClock();
    const bus = new LocalBus(clock, 1);
    const svc = await ModelService.create();
    svc.register("event-lm", compileModel(file));
    const d = new Device({
      id: "gw-1", site: "test", board: loadBoard("imxrt1170-gateway"), clock, bus, engine: new V8Engine(), trace: new TraceLog().sink,
      models: { invoke: (_agent, name, i, o) => svc.invokeAbi(name, i, o) },
    });
    d.install(new Uint8Array(readFileSync(path.join(OUT, "event-lm.wasm"))), parseManifest(readFileSync(path.join(OUT, "event-lm.json"), "utf8"), "event-lm"),
      new Map([["config", new Uint8Array(cbor.encode({ logitScale }))]]));
    clock.runUntil(clock.now() + 10);
    const out: Record<string, unknown>[] = [];
    bus.subscribe("colony/test/plan/instruction", (m: BusMessage) => out.push(decode(m.body) as Record<string, unknown>));
    send = (topic, body) => {
      out.length = 0;
      bus.publish({ topic: `colony/test/${topic}`, from: "tester", body: cbor.encode(body), qos: 0 });
      clock.runUntil(clock.now() + 20);
      return [...out];
    };
  });

  it("holds the training script's vocabulary, heads and sequence length", () => {
    const src = readFileSync(path.join(ROOT, "assembly/agents/event-lm.ts"), "utf8");
    const constant = (name: string): string => src.match(new RegExp(`const ${name} = "([^"]*)";`))![1]!;
    expect(constant("VOCAB").split(" ")).toEqual(VOCAB);
    expect(constant("ACTIONS").split(" ")).toEqual([...ACTIONS]);
    expect(constant("TARGETS").split(" ")).toEqual([...TARGETS]);
    expect(src).toContain(`const SEQ = ${SEQ};`);
  });

  it("publishes the reference's instruction, with its confidence, for held-out events", () => {
    const events = corpus(DEFAULT_TRAIN.seed, DEFAULT_TRAIN.trainSize, DEFAULT_TRAIN.heldOutSize).heldOut.slice(0, 150);
    let right = 0;
    for (const e of events) {
      const got = send("event/test", { text: e.text });
      expect(got.length, e.text).toBe(1);
      const z = referenceInvoke(graph, tokenize(e.text));
      const d = decide(z, ACTIONS.length, TARGETS.length);
      expect([got[0]!.action, got[0]!.target], e.text).toEqual([ACTIONS[d.action], TARGETS[d.target]]);
      if (got[0]!.action === ACTIONS[e.action] && got[0]!.target === TARGETS[e.target]) right++;
      const ex = Array.from(z.subarray(0, ACTIONS.length), (v) => Math.exp(logitScale * (v - Math.max(...z.subarray(0, ACTIONS.length)))));
      expect(got[0]!.confidence as number).toBeCloseTo(ex[d.action]! / ex.reduce((a, b) => a + b, 0), 9);
      expect(got[0]!.from).toBe("event/test");
    }
    expect(right / events.length).toBeGreaterThanOrEqual(0.99);
  });

  it("is configured in the production line with the model's output scale", () => {
    const yaml = readFileSync(path.join(ROOT, "scenarios/production-line.yaml"), "utf8");
    expect(Number(yaml.match(/name: event-lm\s+config: \{ logitScale: ([0-9.]+) \}/)![1])).toBe(logitScale);
  });

  it("reads mixed case and punctuation like the host tokenizer, and ignores events without text", () => {
    const got = send("event/defect", { item: 4, text: "DEFECT detected, camera-1!" });
    expect([got[0]!.action, got[0]!.target]).toEqual(["reject", "camera-1"]);
    expect(send("event/ack", { of: "event/anomaly", handled: 1 })).toEqual([]);
  });
});
