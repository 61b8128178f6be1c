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
