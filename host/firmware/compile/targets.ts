// The QEMU-runnable firmware targets: which port folder, compiler and flags a
// board's family takes. A board profile (boards/<name>.json) picks one by name.
import path from "node:path";

export interface FirmwareTarget {
  /** board profile name (boards/<board>.json) */
  board: string;
  /** folder under boards/ holding the port (port.c, main.c) */
  portDir: string;
  cc: string;
  size: string;
  cflags: string[];
  /** link flags, after cflags in the same compiler call */
  ldflags: (root: string) => string[];
  /** how QEMU boots the ELF: the machine's arguments before -kernel */
  qemu: { binary: string; args: string[] };
  /** built by ESP-IDF (boards/esp32/): `colony firmware build` only generates the agents' C */
  idf?: boolean;
}

const IDF = (board: string): FirmwareTarget => ({
  board,
  portDir: "boards/esp32/main",
  cc: "",
  size: "",
  cflags: [],
  ldflags: () => [],
  qemu: { binary: "", args: [] },
  idf: true,
});

// The semihosting console on QEMU's stdout (riscv would put it on stderr), no display.
const QEMU_CONSOLE = ["-display", "none", "-monitor", "none", "-chardev", "stdio,id=con,signal=off", "-semihosting-config", "enable=on,target=native,chardev=con"];

const COMMON = ["-Os", "-g", "-std=gnu11", "-ffunction-sections", "-fdata-sections", "-Wall", "-Wno-unused-function", "-Wno-unused-variable", "-Wno-unused-but-set-variable"];

export const TARGETS: Record<string, FirmwareTarget> = {
  "mps2-an386": {
    board: "mps2-an386",
    portDir: "boards/cortex-m/mps2-an386",
    cc: "arm-none-eabi-gcc",
    size: "arm-none-eabi-size",
    cflags: ["-mcpu=cortex-m4", "-mthumb", "-mfloat-abi=hard", "-mfpu=fpv4-sp-d16", ...COMMON],
    ldflags: (root) => [
      "-T", path.join(root, "boards/cortex-m/cortex-m.ld"), "-nostartfiles", "--specs=nano.specs", "--specs=rdimon.specs", "-Wl,--gc-sections", "-lm",
    ],
    qemu: { binary: "qemu-system-arm", args: ["-M", "mps2-an386", ...QEMU_CONSOLE] },
  },
  // The ESP32-C3's core class (rv32imc) on QEMU's virt machine.
  "esp32-c3": {
    board: "esp32-c3",
    portDir: "boards/riscv/qemu-virt",
    cc: "riscv64-unknown-elf-gcc",
    size: "riscv64-unknown-elf-size",
    cflags: ["-march=rv32imc", "-mabi=ilp32", "--specs=picolibc.specs", ...COMMON],
    ldflags: () => [
      "--oslib=semihost", "--crt0=semihost",
      "-Wl,--defsym=__flash=0x80000000", "-Wl,--defsym=__flash_size=0x400000",
      "-Wl,--defsym=__ram=0x80400000", "-Wl,--defsym=__ram_size=0x400000", "-Wl,--defsym=__stack_size=0x10000",
      "-Wl,--gc-sections", "-lm",
    ],
    qemu: { binary: "qemu-system-riscv32", args: ["-M", "virt", "-cpu", "rv32", "-bios", "none", ...QEMU_CONSOLE] },
  },
  "esp32-devkitc": IDF("esp32-devkitc"),
  "esp32-s3": IDF("esp32-s3"),
};

export class FirmwareBuildError extends Error {}

export function targetFor(board: string): FirmwareTarget {
  const t = TARGETS[board];
  if (!t) throw new FirmwareBuildError(`no firmware port for board "${board}": ports exist for ${Object.keys(TARGETS).join(", ")}`);
  return t;
}
