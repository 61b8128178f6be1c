// An agent calling model.invoke("kws", ...) through the kernel's model_invoke, served by ModelService.
import { decode, Encoder } from "cbor-x";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { buildAgents } from "../../host/compile/index.ts";
import { V8Engine } from "../../host/engines/index.ts";
import { Device, LocalBus, loadBoard, parseManifest, TraceLog, VirtualClock, type BusMessage } from "../../host/kernel/index.ts";
import { compileModel, ModelService } from "../../host/tinyml/index.ts";
import { readFileSync } from "node:fs";
import { golden, input, modelFile, ROOT } from "./fixtures.ts";

const cbor = new Encoder({ useRecords: false, variableMapSize: true });
const OUT = path.join(ROOT, "build/test-tinyml-agents");

describe("an agent calling model.invoke", () => {
  let wasm: Uint8Array;
  let manifestText: string;
  beforeAll(async () => {
    await buildAgents({ root: ROOT, agentsDir: "test/tinyml/agents", outDir: OUT, unmetered: true });
    wasm = new Uint8Array(readFileSync(path.join(OUT, "keyword.wasm")));
    manifestText = readFileSync(path.join(OUT, "keyword.json"), "utf8");
  });

  async function setup(board: string) {
    const clock = new VirtualClock();
    const bus = new LocalBus(clock, 1);
    const b = loadBoard(board);
    const acc = b.compute.find((c) => c.kind === "npu");
    const svc = await ModelService.create(
      acc ? { npu: { id: acc.id, ops: acc.ops!, macsPerCycle: acc.macsPerCycle!, mhz: acc.mhz, energyPerMacPj: acc.energyPerMacPj! } } : {},
    );
    svc.register("kws", compileModel(modelFile("kws")));
    const d = new Device({
      id: "d1", site: "test", board: b, clock, bus, engine: new V8Engine(), trace: new TraceLog().sink,
      models: { invoke: (_agent, name, i, o) => svc.invokeAbi(name, i, o) },
    });
    d.install(wasm, parseManifest(manifestText, "keyword"));
    const out: Record<string, unknown>[] = [];
    bus.subscribe("colony/test/kws/out", (m: BusMessage) => out.push(decode(m.body) as Record<string, unknown>));
    const send = (body: Record<string, unknown>): Record<string, unknown> => {
      out.length = 0;
      bus.publish({ topic: "colony/test/kws/in", from: "tester", body: cbor.encode(body), qos: 0 });
      clock.runUntil(clock.now() + 20);
      expect(out.length).toBeGreaterThan(0);
      return out[0]!;
    };
    return { svc, send };
  }

  for (const board of ["esp32-s3", "max78000"]) {
    it(`${board}: the output equals TFLM's golden output; bad calls get negative results`, async () => {
      const { svc, send } = await setup(board);
      const ok = send({ input: input("kws_sample") });
      expect(Number(ok.n)).toBe(12);
      expect(new Uint8Array(ok.output as Uint8Array)).toEqual(golden("kws_sample"));
      expect(Number(send({ input: new Uint8Array(100) }).n)).toBe(-1); // wrong input length
      expect(Number(send({ input: input("kws_sample"), outLen: 4 }).n)).toBe(-4); // no space for the output
      expect(Number(send({ input: input("kws_sample"), model: "vww" }).n)).toBe(-3); // not granted
      expect(svc.totals.get(board === "max78000" ? "npu" : "cpu")!.macs).toBeGreaterThan(0);
    });
  }
});
