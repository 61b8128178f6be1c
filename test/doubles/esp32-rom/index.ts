// A simulated ESP32 for flashing tests: the serial ROM loader and the flasher stub, on a pty.
export { Esp32SerialLoader, OP } from "./loader.ts";
export { Esp32Registers, ESP32_MAGIC, flashJedecId } from "./chip.ts";
export { SlipDecoder, slipEncode } from "./slip.ts";
export { hasSocat, openPtyPair, serveChip, type PtyPair, type RunningChip } from "./pty.ts";
