// The loader refuses what cannot run safely, and says why.
import { describe, expect, it } from "vitest";
import { V8Engine } from "../../host/engines/index.ts";
import { loadBoard, loadModule, LoadError, validateManifest } from "../../host/kernel/index.ts";
import { injectMetering } from "../../host/wasm/index.ts";
import { agentFiles, world } from "./helpers.ts";

const board = () => loadBoard("esp32-devkitc");
const engine = new V8Engine();

describe("loader", () => {
  it("loads a shipped agent", () => {
    const { wasm, manifest } = agentFiles("heartbeat");
    const m = loadModule(wasm, manifest, board(), engine);
    expect([...m.groups].sort()).toEqual(["bus", "clock"]);
    expect(m.fuelPerEvent).toBe(manifest.resources.fuelPerEvent);
  });

  it("refuses an import the manifest does not grant, naming the import and the capability", () => {
    const { wasm, manifest } = agentFiles("snooper");
    expect(() => loadModule(wasm, manifest, board(), engine)).toThrowError(LoadError);
    expect(() => loadModule(wasm, manifest, board(), engine)).toThrowError(/import "colony\.sensor_open" needs capability "sensor:<name>", which the manifest does not grant/);
  });

  it("refuses a manifest asking for more memory than the board gives agents, with the numbers", () => {
    const { wasm, manifest } = agentFiles("heartbeat");
    const big = { ...manifest, resources: { ...manifest.resources, memoryPages: 8 } };
    expect(() => loadModule(wasm, big, board(), engine)).toThrowError(/asks for 8 memory pages \(524288 bytes\) but board esp32-devkitc gives agents 196608 bytes/);
  });

  it("refuses an install when the device's agent memory is used up", () => {
    const w = world();
    const d = w.device("d1", "max78000");
    const { wasm, manifest } = agentFiles("heartbeat");
    d.install(wasm, manifest);
    expect(() => d.install(wasm, { ...manifest, name: "heartbeat-2" })).toThrowError(/needs 65536 bytes of agent memory but d1 \(max78000\) has 0 of 65536 free/);
  });

  it("caps the module's memory at the manifest's pages", () => {
    const w = world();
    const a = w.device("d1").install(agentFiles("bomb").wasm, agentFiles("bomb").manifest);
    expect(a.status).toBe("running");
    w.clock.runUntil(2000);
    expect(a.metrics.memoryBytes).toBeLessThanOrEqual(2 * 65536);
  });

  it("gives clear errors for malformed modules", () => {
    const { manifest } = agentFiles("heartbeat");
    const cases: [Uint8Array, RegExp][] = [
      [new Uint8Array([1, 2, 3]), /malformed module: not a wasm module: 3 bytes/],
      [new Uint8Array([0x7f, 0x45, 0x4c, 0x46, 1, 0, 0, 0]), /bad magic/],
      [agentFiles("heartbeat").wasm.slice(0, 200), /truncated|unexpected end/],
    ];
    for (const [bytes, re] of cases) expect(() => loadModule(bytes, manifest, board(), engine)).toThrowError(re);
  });

  it("refuses a module with missing exports or without metering", () => {
    const { manifest } = agentFiles("heartbeat");
    // (module (memory 1) (export "memory" (memory 0)))
    const bare = new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 5, 3, 1, 0, 1, 7, 10, 1, 6, 0x6d, 0x65, 0x6d, 0x6f, 0x72, 0x79, 2, 0]);
    expect(() => loadModule(bare, manifest, board(), engine)).toThrowError(/missing export "colony_abi"/);
    const unmetered = agentFiles("heartbeat").wasm;
    expect(() => injectMetering(unmetered)).toThrowError(/already exports colony_fuel/);
  });

  it("refuses a manifest of another ABI or with bad fields, listing every problem", () => {
    expect(() => validateManifest({ name: "X y", version: "1", abi: 2, capabilities: ["sensor", "teleport"], resources: { memoryPages: 0, fuelPerEvent: 1 } })).toThrowError(
      /"name" must be[\s\S]*"version" must be semver[\s\S]*"abi" must be 1[\s\S]*sensor needs a name[\s\S]*unknown group "teleport"[\s\S]*memoryPages must be/,
    );
  });
});
