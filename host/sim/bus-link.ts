// What a simulator shard needs from the cluster it is part of (host/cluster implements it):
// its local bus joined to the other shards' buses, and a barrier so that no shard's virtual
// clock runs more than one slice ahead of another's.
import type { BusPort, LocalBus, VirtualClock } from "../kernel/index.ts";

export interface BusLink {
  /** The port the shard's devices use: the local bus, with publishes another shard wants sent on. */
  attach(bus: LocalBus, clock: VirtualClock): BusPort;
  /** The shard's clock has reached `t` (0: start-up done); resolves once every shard has. */
  sync(t: number): Promise<void>;
}
