// The registers of an ESP32 (D0WD-V3, revision 3) that a flashing tool reads, and the SPI
// flash controller's user-command mode that it drives to read the flash JEDEC id.
export const CHIP_DETECT_MAGIC_REG = 0x40001000;
export const ESP32_MAGIC = 0x00f01d83;
const EFUSE_BASE = 0x3ff5a000;
const SYSCON_DATE = 0x3ff6607c;
const UART_CLKDIV = 0x3ff40014;
export const SPI_BASE = 0x3ff42000;
const SPI_CMD = SPI_BASE + 0x00;
const SPI_USR2 = SPI_BASE + 0x24;
const SPI_W0 = SPI_BASE + 0x80;
const SPI_CMD_USR = 1 << 18;

/** JEDEC id as the W0 register holds it after RDID: manufacturer, type, capacity (log2 bytes). */
export function flashJedecId(flashBytes: number): number {
  return 0xef | (0x40 << 8) | (Math.log2(flashBytes) << 16);
}

export class Esp32Registers {
  private readonly regs = new Map<number, number>();

  constructor(
    private readonly flashBytes: number,
    mac: readonly number[] = [0x24, 0x0a, 0xc4, 0x12, 0x34, 0x56],
  ) {
    this.regs.set(CHIP_DETECT_MAGIC_REG, ESP32_MAGIC);
    // efuse BLK0: MAC in words 1-2, package (bits 9-11) and revision bit in word 3, word 5.
    this.regs.set(EFUSE_BASE + 4, ((mac[2]! << 24) | (mac[3]! << 16) | (mac[4]! << 8) | mac[5]!) >>> 0);
    this.regs.set(EFUSE_BASE + 8, (mac[0]! << 8) | mac[1]!);
    this.regs.set(EFUSE_BASE + 12, (1 << 15) | (1 << 9));
    this.regs.set(EFUSE_BASE + 20, 1 << 20);
    this.regs.set(SYSCON_DATE, 0x80000000);
    // 40 MHz crystal: the ROM set the UART divider to 40 MHz / 115200 = 347.
    this.regs.set(UART_CLKDIV, 347);
  }

  read(addr: number): number {
    return this.regs.get(addr >>> 0) ?? 0;
  }

  write(addr: number, value: number, mask: number): void {
    const a = addr >>> 0;
    const v = ((this.read(a) & ~mask) | (value & mask)) >>> 0;
    this.regs.set(a, v);
    if (a === SPI_CMD && v & SPI_CMD_USR) this.runSpiUserCommand();
  }

  private runSpiUserCommand(): void {
    const command = this.read(SPI_USR2) & 0xff;
    if (command === 0x9f) this.regs.set(SPI_W0, flashJedecId(this.flashBytes)); // RDID
    else if (command === 0x05 || command === 0x35) this.regs.set(SPI_W0, 0); // status registers: idle
    this.regs.set(SPI_CMD, 0); // done at once
  }
}
