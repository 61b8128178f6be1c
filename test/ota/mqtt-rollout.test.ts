// The whole path over a real broker: aedes, mqtt.js devices, and the `colony ota` CLI.
import { describe, expect, it } from "vitest";
import { execFile } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { RolloutController, mqttTransport } from "../../host/ota/index.ts";
import { counterBundle } from "./fixtures.ts";
import { startBroker } from "./broker.ts";
import { startFleet, stopFleet } from "./fleet.ts";

const run = promisify(execFile);
const cli = (...args: string[]) => run("node", ["bin/colony.js", ...args], { cwd: process.cwd(), encoding: "utf8" }).then(
  (r) => ({ code: 0, out: r.stdout, err: r.stderr }),
  (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, out: e.stdout, err: e.stderr }),
);

describe("rollout over MQTT", () => {
  it("colony ota push halts on a failing canary, resume finishes after a controller restart, rollback restores", async () => {
    const broker = await startBroker();
    const fleet = await startFleet({ count: 10, groups: (i) => (i < 8 ? ["cameras"] : ["pumps"]), sick: (i) => i === 0, transport: async (id) => mqttTransport(await broker.connect(id)) });
    try {
      const dir = mkdtempSync(join(tmpdir(), "colony-ota-"));
      const cab = join(dir, "counter.cab");
      writeFileSync(cab, counterBundle("2.0.0", { size: 2048 }));
      const push = await cli("ota", "push", cab, "--site", "plant-1", "--to", "group:cameras", "--canary", "10%", "--halt-on", "5%", "--id", "r1", "--broker", broker.url, "--trust", join(dir, "none.json"));
      expect(push.code, push.err).toBe(2);
      expect(push.out).toMatch(/r1 halted wave 1\/\d committed=0 rolled-back=1/);
      // The status is retained: a new process reads it.
      const status = await cli("ota", "status", "r1", "--site", "plant-1", "--broker", broker.url);
      expect(status.out).toMatch(/r1 halted wave 1\/\d+ committed=0 rolled-back=1/);
      const list = await cli("ota", "list", "--site", "plant-1", "--broker", broker.url);
      expect(list.out).toMatch(/^r1 counter@2\.0\.0 group:cameras halted/);
      const resume = await cli("ota", "resume", "r1", "--site", "plant-1", "--broker", broker.url);
      expect(resume.code, resume.err).toBe(0);
      expect(resume.out).toMatch(/r1 done wave \d\/\d committed=7 rolled-back=1/);
      expect(fleet.map((d) => d.slots.version)).toEqual(["1.0.0", ...Array(7).fill("2.0.0"), "1.0.0", "1.0.0"]);
      // A controller in this process sees the same retained state.
      const ctl = await RolloutController.open(mqttTransport(await broker.connect("viewer")), "plant-1", "r1", { settleMs: 100 });
      expect(ctl.state.state).toBe("done");
      const back = await cli("ota", "rollback", "r1", "--site", "plant-1", "--broker", broker.url);
      expect(back.code, back.err).toBe(0);
      expect(fleet.map((d) => d.slots.version)).toEqual(Array(10).fill("1.0.0"));
      fleet.forEach((d, i) => expect(d.state()).toBe(i));
    } finally {
      await stopFleet(fleet);
      await broker.close();
    }
  });
});
