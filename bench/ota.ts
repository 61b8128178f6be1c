// Delivery figures: one 2 KB agent updated on 1,000 simulated devices through the embedded
// broker (aedes over TCP on 127.0.0.1, every device its own mqtt.js client), against the same
// rollout over the in-memory bus; and flashing through the simulated ESP32 ROM loader.
import { createServer, type AddressInfo, type Socket } from "node:net";
import { Aedes } from "aedes";
import mqtt, { type MqttClient } from "mqtt";
import { MemoryBus, RolloutController, mqttTransport, type OtaTransport } from "../host/ota/index.ts";
import { flashEsp32, planFlash } from "../host/firmware/esp32/index.ts";
import { counterBundle } from "../test/ota/fixtures.ts";
import { startFleet, stopFleet } from "../test/ota/fleet.ts";
import { testApp } from "../test/flash/fixtures.ts";
import { hasSocat, openPtyPair, serveChip } from "../test/doubles/esp32-rom/index.ts";

export type BenchResult = { name: string; value: number; unit: string; note?: string };

const DEVICES = 1000;
const plan = { target: "group:cameras", canaryPercent: 10, haltOnPercent: 5, waves: 3 };

async function rollout(transport: () => OtaTransport, fleetTransport: (id: string) => OtaTransport | Promise<OtaTransport>): Promise<{ seconds: number; done: number; bundle: number }> {
  const fleet = await startFleet({ count: DEVICES, groups: () => ["cameras"], transport: fleetTransport, retryMs: 2000 });
  const bundle = counterBundle("2.0.0", { size: 2048 });
  const t0 = performance.now();
  const ctl = await RolloutController.create(transport(), "plant-1", bundle, plan, { waveTimeoutMs: 120_000, settleMs: 500 });
  const r = await ctl.run();
  const seconds = (performance.now() - t0) / 1000;
  const done = fleet.filter((d) => d.slots.version === "2.0.0").length;
  await stopFleet(fleet);
  if (r.state !== "done" || done !== DEVICES) throw new Error(`rollout ended ${r.state} with ${done}/${DEVICES} updated`);
  return { seconds, done, bundle: bundle.length };
}

async function overAedes(): Promise<BenchResult[]> {
  const broker = await Aedes.createBroker();
  const sockets: Socket[] = [];
  const tcp = createServer((s) => {
    sockets.push(s);
    broker.handle(s);
  });
  await new Promise<void>((r) => tcp.listen(0, "127.0.0.1", r));
  const url = `mqtt://127.0.0.1:${(tcp.address() as AddressInfo).port}`;
  const clients: MqttClient[] = [];
  const connect = async (id: string): Promise<OtaTransport> => {
    const c = await mqtt.connectAsync(url, { clientId: id, reconnectPeriod: 0 });
    clients.push(c);
    return mqttTransport(c);
  };
  const ctl = await connect("controller");
  // Count only the update: connections are made while the fleet starts.
  // sockets[0] is the controller's; the rest are the devices' (what their radios carry).
  const wire = (from: number): number => sockets.slice(from).reduce((n, s) => n + s.bytesRead + s.bytesWritten, 0);
  let devicesBefore = 0;
  let controllerBefore = 0;
  const fleetTransport = async (id: string): Promise<OtaTransport> => connect(id);
  const startRollout = async () => {
    const fleet = await startFleet({ count: DEVICES, groups: () => ["cameras"], transport: fleetTransport, retryMs: 2000 });
    await new Promise((r) => setTimeout(r, 200));
    devicesBefore = wire(1);
    controllerBefore = wire(0) - devicesBefore;
    const bundle = counterBundle("2.0.0", { size: 2048 });
    const t0 = performance.now();
    const c = await RolloutController.create(ctl, "plant-1", bundle, plan, { waveTimeoutMs: 120_000, settleMs: 500 });
    const r = await c.run();
    const seconds = (performance.now() - t0) / 1000;
    const bytes = wire(1) - devicesBefore;
    const controllerBytes = wire(0) - bytes - devicesBefore - controllerBefore;
    const done = fleet.filter((d) => d.slots.version === "2.0.0").length;
    await stopFleet(fleet);
    if (r.state !== "done" || done !== DEVICES) throw new Error(`rollout ended ${r.state} with ${done}/${DEVICES} updated`);
    return { seconds, bytes, controllerBytes, bundle: bundle.length, waves: r.waves.length };
  };
  try {
    const m = await startRollout();
    const note = `${DEVICES} mqtt.js clients on aedes over TCP 127.0.0.1; canary 10% + 3 waves (${m.waves} waves); bundle ${m.bundle} B (2048 B module); includes the controller's 500 ms reads of retained state`;
    return [
      { name: "ota: update 1,000 devices via aedes", value: m.seconds, unit: "s", note },
      { name: "ota: device-side MQTT bytes, all devices", value: m.bytes, unit: "B", note: "TCP bytes to and from the 1,000 device connections during the rollout" },
      { name: "ota: MQTT bytes per device", value: Math.round(m.bytes / DEVICES), unit: "B", note: "job, chunk requests, chunks, statuses, device record, MQTT framing and acks" },
      { name: "ota: device bytes / bundle bytes", value: Number((m.bytes / DEVICES / m.bundle).toFixed(2)), unit: "x" },
      { name: "ota: controller-side MQTT bytes", value: m.controllerBytes, unit: "B" },
    ];
  } finally {
    await Promise.all(clients.map((c) => c.endAsync(true)));
    await new Promise<void>((r) => broker.close(() => r()));
    await new Promise<void>((r) => tcp.close(() => r()));
  }
}

async function overMemory(): Promise<BenchResult[]> {
  const bus = new MemoryBus();
  const m = await rollout(() => bus.client(), () => bus.client());
  return [{ name: "ota: update 1,000 devices via in-memory bus (baseline)", value: m.seconds, unit: "s", note: `same rollout, no broker; ${bus.messages} messages, ${bus.bytes} B published` }];
}

async function flashing(): Promise<BenchResult[]> {
  if (!hasSocat()) return [{ name: "flash: simulated ROM loader", value: 0, unit: "s", note: "socat missing: not measured" }];
  const pty = await openPtyPair();
  const chip = await serveChip(pty.device);
  try {
    const app = testApp(1 << 20, 3); // 1 MiB of incompressible code
    const images = planFlash({ chip: "esp32", flashBytes: 4 << 20, app });
    const r = await flashEsp32({ port: pty.host, images, baudrate: 921600 });
    const flashed = images.every((i) => Buffer.from(chip.loader.flash.subarray(i.address, i.address + i.data.length)).equals(Buffer.from(i.data)));
    if (!flashed || !r.verified) throw new Error("simulated flash differs from the images");
    const note = "esptool-js 0.7.0 + serialport over a socat pty pair; connect, stub upload, compressed write, MD5 verify, reset";
    return [
      { name: "flash: 1 MiB app + table + otadata", value: Number(r.seconds.toFixed(2)), unit: "s", note },
      { name: "flash: throughput", value: Math.round(r.bytes / 1024 / r.seconds), unit: "KiB/s", note: "image bytes / whole session time (a pty has no baud limit; a real UART at 921600 caps near 90 KiB/s before compression)" },
    ];
  } finally {
    await chip.close();
    await pty.close();
  }
}

export async function run(): Promise<BenchResult[]> {
  return [...(await overMemory()), ...(await overAedes()), ...(await flashing())];
}
