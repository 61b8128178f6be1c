// The firmware subsystem's face: build (wasm2c + C runtime + port), QEMU, the serial link.
// host/firmware/esp32/ (flashing) has its own face.
export * from "./compile/index.ts";
export * from "./qemu/index.ts";
export * from "./link/index.ts";
