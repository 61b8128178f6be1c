// End to end: a QEMU device running the AssemblyScript presence/election agent
// (test/coordination/agents/peer) joins, through the MQTT-SN gateway and the broker,
// two simulated devices running the same agent on host/sim's MQTT network (each a
// CoordBusPort). The firmware seals and opens the coordination kinds itself
// (firmware/runtime/coord.c): all three stand in one election, agree on one leader,
// and see each other's presence; when the QEMU device stops, the others see it go.
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { V8Engine } from "../../host/engines/index.ts";
import { buildFirmware, runQemu, SerialBridge } from "../../host/firmware/index.ts";
import { Device, loadBoard, RealClock, type TraceEvent } from "../../host/kernel/index.ts";
import { cborDecode, cborEncode } from "../../host/net/cbor.ts";
import { EmbeddedBroker, MqttSnGateway } from "../../host/net/index.ts";
import { createNetwork } from "../../host/sim/network.ts";
import { agentFiles, buildCoordAgents } from "../coordination/as-fleet.ts";
import { missingTools, OUT, ROOT } from "./helpers.ts";

const missing = missingTools(["wasm2c", "arm-none-eabi-gcc", "qemu-system-arm", "riscv64-unknown-elf-gcc", "qemu-system-riscv32"]);
const RUN_SEED = 7;
const SITE = "lab";
const SIMS = ["sim-1", "sim-2"];
const BATTERY: Record<string, number> = { "sim-1": 0.25, "sim-2": 0.75 };

type Status = { me: string; leader: string; term: number; leading: boolean; peers: string };
const peerIds = (s: Status) => (s.peers ? s.peers.split(",").map((p) => p.split(":")[0]!) : []).sort();

describe.skipIf(missing.length > 0)("a QEMU device in the AssemblyScript coordination protocols", () => {
  beforeAll(buildCoordAgents, 180_000);

  // simulated candidates: they are up first, one of them leads and the firmware follows;
  // without them the firmware must lead and the simulated devices follow its claims
  it.each([
    ["mps2-an386", true],
    ["mps2-an386", false],
    ["esp32-c3", true],
  ] as const)("%s and two simulated devices (candidates: %s) elect one leader and see each other", async (board, simCandidates) => {
    const device = `qemu-${board}`;
    const peer = agentFiles("peer");
    // the same module; the manifest's fuel budget within what this board allows per event
    const fuel = loadBoard(board).fuelPerEventMax;
    mkdirSync(path.join(OUT, `coord-${board}`), { recursive: true });
    const manifestPath = path.join(OUT, `coord-${board}`, "peer.json");
    writeFileSync(manifestPath, JSON.stringify({ ...peer.manifest, resources: { ...peer.manifest.resources, fuelPerEvent: fuel } }));
    const built = await buildFirmware({
      root: ROOT,
      board,
      agents: [{ name: "peer", wasmPath: path.join(ROOT, "build/test-coord-agents/peer.wasm"), manifestPath }],
      events: 0,
      link: true,
      seed: RUN_SEED,
      site: SITE,
      deviceId: device,
      out: path.join(OUT, `coord-${board}`),
    });
    // a fresh broker per board: retained claims and beats of the other board's run stay out
    const broker = await EmbeddedBroker.start({ port: 0 });
    const gateway = new MqttSnGateway({ brokerUrl: broker.url, port: 0 });
    await gateway.start();
    const bridge = new SerialBridge({ gateway: { host: "127.0.0.1", port: gateway.port } });
    await bridge.start();
    const clock = new RealClock();
    const network = await createNetwork({ kind: "mqtt", clock, latencyMs: 0, seed: RUN_SEED, site: SITE, deviceIds: SIMS, brokerUrl: broker.url });
    const last = new Map<string, Status>();
    const sink = (e: TraceEvent) => {
      const d = e.data as { topic?: string; body?: Status } | undefined;
      if (e.type === "publish" && d?.topic === "test/status" && d.body) last.set(e.device, d.body);
    };
    const sims: Device[] = [];
    try {
      for (const id of SIMS) {
        const dev = new Device({ id, site: SITE, board: loadBoard("esp32-devkitc"), clock, bus: await network.portFor(id), engine: new V8Engine(), seed: RUN_SEED, trace: sink, traceBodies: ["test/#"] });
        dev.install(peer.wasm, peer.manifest, new Map([["config", cborEncode({ every: 200, lease: 1000, battery: BATTERY[id], candidate: simCandidates ? 1 : 0 })]]));
        sims.push(dev);
      }
      // every view as it changes; the first moment all three agree is kept
      let agreed: Status[] | undefined;
      const check = () => {
        const views = [device, ...SIMS].map((id) => last.get(id));
        if (agreed || views.some((v) => !v)) return;
        const vs = views as Status[];
        const one = new Set(vs.map((v) => `${v.leader}/${v.term}`)).size === 1 && vs.filter((v) => v.leading).length === 1;
        const seen = vs.every((v) => peerIds(v).join(",") === [device, ...SIMS].filter((id) => id !== v.me).sort().join(","));
        if (one && seen && vs[0]!.leader) agreed = vs.map((v) => ({ ...v }));
      };
      const timer = setInterval(check, 20);
      const run = await runQemu({
        board,
        elf: built.elf,
        timeoutMs: 10_000, // agreement comes about 1.5 s after boot here
        linkPort: bridge.port,
        onLine: (line) => {
          const w = line.split(" ");
          if (w[0] === "pub" && w[1] === "peer" && w[2] === "test/status" && w[3]) {
            last.set(device, cborDecode(new Uint8Array(Buffer.from(w[3], "hex"))) as Status);
            check();
          }
        },
      });
      clearInterval(timer);
      expect(run.stdout, run.stderr).toContain(`link: connected as ${device}`);
      // (a retained message that also arrives live while the device subscribes is dropped as a replay: harmless)
      expect(run.stdout).not.toMatch(/agent message refused|envelope: dropped on \S+: (?!replay)|fault peer/);
      expect(agreed, `no moment of agreement; last views: ${JSON.stringify([...last])}\n${run.stdout.slice(-3000)}`).toBeDefined();
      const [fw, ...others] = agreed!;
      expect(fw!.me).toBe(device);
      if (!simCandidates) expect(fw).toMatchObject({ leader: device, leading: true });
      // the firmware sees the simulated devices' state vectors, they see its own
      expect(fw!.peers.split(",").sort()).toEqual(SIMS.map((id) => `${id}:lift+scan:${BATTERY[id]}`));
      for (const o of others) expect(o.peers).toContain(`${device}:lift+scan:0.5`);
      // signatures verified both ways: the simulated side refused nothing but duplicates (a retained
      // message that also arrives live while a device subscribes: simulated devices alone do the same)
      expect(Object.keys(network.refused()).filter((k) => k !== "replay")).toEqual([]);
      // QEMU stopped without a will: the others see the device go by timeout (3 x 200 ms) and agree again
      const settled = () => {
        const vs = SIMS.map((id) => last.get(id)!);
        const views = new Set(vs.map((v) => `${v.leader}/${v.term}`)).size === 1 && vs.filter((v) => v.leading).length === (simCandidates ? 1 : 0);
        return vs.every((v) => peerIds(v).join(",") === SIMS.filter((id) => id !== v.me).join(",")) && views;
      };
      for (const stoppedAt = Date.now(); Date.now() - stoppedAt < 5000 && !settled(); ) await new Promise((r) => setTimeout(r, 50));
      const after = SIMS.map((id) => last.get(id)!);
      expect(after.map((v) => peerIds(v))).toEqual([["sim-2"], ["sim-1"]]);
      expect(new Set(after.map((v) => `${v.leader}/${v.term}`)).size).toBe(1);
      expect(after.filter((v) => v.leading)).toHaveLength(simCandidates ? 1 : 0);
    } finally {
      for (const d of sims) d.stop();
      await network.close();
      await bridge.stop();
      await gateway.stop();
      await broker.stop();
    }
  }, 240_000);
});
