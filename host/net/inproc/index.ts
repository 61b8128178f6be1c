export { InProcessBus, type BusStats } from "./bus.ts";
export { InProcessTransport } from "./transport.ts";
export { PERFECT_NETWORK, prng, type NetworkModel } from "./network.ts";
