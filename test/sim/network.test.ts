// The same scenario over the other networks: signed envelopes on the virtual
// clock (same outcome, same determinism), and real time through the embedded
// MQTT broker.
import { describe, expect, it } from "vitest";
import { loadScenario, runScenario } from "../../host/sim/index.ts";

describe("scenario networks", () => {
  it("sealed: every message signed and checked, same outcome as the local bus", async () => {
    const sc = loadScenario("scenarios/pump-room-mini.yaml");
    const local = await runScenario(sc);
    const sealed = await runScenario(sc, { network: "sealed" });
    expect(sealed.network).toBe("sealed");
    expect(sealed.expectations.every((e) => e.ok)).toBe(true);
    expect(sealed.messages.refused).toEqual({});
    const when = (r: typeof local) => r.trace.filter((e) => e.type === "actuator").map((e) => [e.device, e.t]);
    expect(when(sealed)).toEqual(when(local));
  });

  it("mqtt: real time through the embedded broker", async () => {
    const sc = loadScenario("scenarios/pump-room-mini.yaml");
    const r = await runScenario(sc, { network: "mqtt", durationMs: 5500 });
    expect(r.network).toBe("mqtt");
    expect(r.wallMs).toBeGreaterThan(5000);
    expect(r.expectations.filter((e) => e.text.startsWith("actuator"))[0]!.ok).toBe(true);
    expect(r.messages.delivered).toBeGreaterThanOrEqual(1);
  });
});

describe("models on boards", () => {
  it("refuses a model whose arena does not fit beside the agents, with the numbers", async () => {
    const text = [
      "name: too-big",
      "models:",
      "  ic: ../models/vww.tflite",
      "line: { period: 2s, defectRate: 0 }",
      "devices:",
      "  - id: cam",
      "    board: max78000",
      "    sensors: { cam0: { kind: camera } }",
      "    agents: [defect-camera]",
    ].join("\n");
    const { parseScenario } = await import("../../host/sim/index.ts");
    const sc = parseScenario(text, "scenarios/too-big.yaml");
    await expect(runScenario(sc)).rejects.toThrowError(/defect-camera: on device cam: model ic: model needs \d+ B of RAM .* the board has 65536 B/);
  });
});

describe("a fleet split across simulator runs on one broker", () => {
  it("devices of two runs verify each other's signed messages and cooperate", async () => {
    const { EmbeddedBroker } = await import("../../host/net/index.ts");
    const broker = await EmbeddedBroker.start();
    try {
      const [pump, ctrl] = await Promise.all([
        runScenario(loadScenario("test/fixtures/scenarios/split-pump.yaml"), { network: "mqtt", brokerUrl: broker.url }),
        runScenario(loadScenario("test/fixtures/scenarios/split-controller.yaml"), { network: "mqtt", brokerUrl: broker.url }),
      ]);
      expect(pump.trace.some((e) => e.type === "publish" && e.data?.topic === "event/anomaly")).toBe(true);
      expect(ctrl.actuators[0]!.commands).toBeGreaterThanOrEqual(1);
      expect(ctrl.messages.refused).toEqual({});
    } finally {
      await broker.stop();
    }
  });
});
