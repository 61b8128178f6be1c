export { SerialBridge } from "./bridge.ts";
export type { BridgeOptions, BridgeStats } from "./bridge.ts";
export { slipEncode, SlipDecoder, SLIP } from "./slip.ts";
