// A simulated fleet on the in-process bus: keys, transports with presence wills, CoordNodes.
import { VirtualClock, type Clock } from "../../host/kernel/scheduler.ts";
import { CoordNode, Presence, presenceWill, type DeviceState } from "../../host/coordination/index.ts";
import { InProcessBus, InProcessTransport, type NetworkModel } from "../../host/net/inproc/index.ts";
import { KeyRing, deviceKeyFromSeed, type DeviceKey } from "../../host/net/keys.ts";
import type { Transport } from "../../host/net/transport.ts";

export interface Device {
  id: string;
  key: DeviceKey;
  transport: Transport;
  node: CoordNode;
  presence: Presence;
}

export const SITE = "plant";

export function keyFor(i: number, id: string): DeviceKey {
  const seed = new Uint8Array(32);
  seed[0] = i & 255;
  seed[1] = i >> 8;
  seed[31] = 7;
  return deviceKeyFromSeed(id, seed);
}

export function state(caps: string[] = [], battery = 1): DeviceState {
  return { battery, load: 0, capabilities: caps, position: [0, 0, 0] };
}

export function makeDevice(
  i: number,
  id: string,
  ring: KeyRing,
  clock: Clock,
  makeTransport: (name: string, will: ReturnType<typeof presenceWill>) => Transport,
  opts: { caps?: string[]; every?: number; epoch?: number } = {},
): Device {
  const key = keyFor(i, id);
  ring.add(id, key.publicKey);
  const epoch = opts.epoch ?? 1;
  const transport = makeTransport(id, presenceWill(key, SITE, epoch, clock.now()));
  const node = new CoordNode({ transport, clock, key, keys: ring, site: SITE, log: () => undefined });
  const presence = new Presence(node, state(opts.caps), { every: opts.every ?? 200, epoch });
  return { id, key, transport, node, presence };
}

export function simFleet(n: number, model: Partial<NetworkModel> = {}, seed = 1, caps: (i: number) => string[] = () => []) {
  const clock = new VirtualClock();
  const bus = new InProcessBus(clock, model, seed);
  const ring = new KeyRing();
  const devices: Device[] = [];
  for (let i = 0; i < n; i++) {
    const d = makeDevice(i, `d${i}`, ring, clock, (name, will) => new InProcessTransport(bus, { name, will, queueLimit: 10_000 }), { caps: caps(i) });
    void d.transport.connect();
    devices.push(d);
  }
  return { clock, bus, ring, devices };
}
