// The real esptool-js, over the real serialport package, flashing a simulated ESP32 on a pty.
import { describe, expect, it } from "vitest";
import { createHash } from "node:crypto";
import { flashEsp32, planFlash, readModulesImage, parsePartitionTable, activeOtaSlot, defaultPartitions } from "../../host/firmware/esp32/index.ts";
import { Esp32SerialLoader, OP, hasSocat, openPtyPair, serveChip, slipEncode, SlipDecoder } from "../doubles/esp32-rom/index.ts";
import { testApp } from "./fixtures.ts";
import { counterBundle } from "../ota/fixtures.ts";

const socat = hasSocat();
if (!socat && process.env.CI) throw new Error("socat is required for the flashing tests (Debian package socat)");

function request(op: number, data: Uint8Array, chk = 0): Uint8Array {
  const f = new Uint8Array(8 + data.length);
  const v = new DataView(f.buffer);
  f[1] = op;
  v.setUint16(2, data.length, true);
  v.setUint32(4, chk, true);
  f.set(data, 8);
  return f;
}
const words = (...w: number[]): Uint8Array => {
  const b = new Uint8Array(4 * w.length);
  w.forEach((x, i) => new DataView(b.buffer).setUint32(4 * i, x >>> 0, true));
  return b;
};

describe("simulated ESP32 ROM loader", () => {
  it("speaks the ROM protocol: 8 SYNC replies, registers, 4-byte status, checksum errors", async () => {
    const chip = new Esp32SerialLoader();
    const out: Uint8Array[] = [];
    const send = async (f: Uint8Array) => void out.push(f);
    const sync = new Uint8Array(36).fill(0x55);
    sync.set([7, 7, 0x12, 0x20]);
    await chip.handle(request(OP.SYNC, sync), send);
    expect(out).toHaveLength(8);
    expect(out[0]!.subarray(0, 4)).toEqual(Uint8Array.of(1, 8, 4, 0));
    out.length = 0;
    await chip.handle(request(OP.READ_REG, words(0x40001000)), send);
    expect(new DataView(out[0]!.buffer).getUint32(4, true)).toBe(0x00f01d83);
    out.length = 0;
    await chip.handle(request(OP.FLASH_BEGIN, words(4096, 1, 4096, 0x10000, 0)), send);
    const block = new Uint8Array(4096).fill(0xaa);
    await chip.handle(request(OP.FLASH_DATA, new Uint8Array([...words(4096, 0, 0, 0), ...block]), 0x42), send);
    expect(out[1]!.subarray(8)).toEqual(Uint8Array.of(1, 0x07, 0, 0)); // bad checksum
    await chip.handle(request(OP.FLASH_DATA, new Uint8Array([...words(4096, 0, 0, 0), ...block]), 0xef), send);
    expect(out[2]!.subarray(8)).toEqual(Uint8Array.of(0, 0, 0, 0));
    await chip.handle(request(OP.SPI_FLASH_MD5, words(0x10000, 4096, 0, 0)), send);
    expect(new TextDecoder().decode(out[3]!.subarray(8, 40))).toBe(createHash("md5").update(block).digest("hex"));
    await chip.handle(request(OP.GET_SECURITY_INFO, new Uint8Array(0)), send);
    expect(out[4]![1]).not.toBe(OP.GET_SECURITY_INFO);
    expect(out[4]!.subarray(8, 10)).toEqual(Uint8Array.of(1, 0x05));
  });

  it("SLIP round-trips C0 and DB", () => {
    const d = new SlipDecoder();
    const frame = Uint8Array.of(0xc0, 1, 0xdb, 2, 0xdc, 0xdd);
    expect(d.push(Uint8Array.of(0x41, ...slipEncode(frame), ...slipEncode(Uint8Array.of(9))))).toEqual([frame, Uint8Array.of(9)]);
  });
});

describe.skipIf(!socat)("colony flashing through esptool-js", () => {
  it("writes partition table, otadata, app and agent modules; the simulated flash matches; MD5 verified", async () => {
    const pty = await openPtyPair();
    const chip = await serveChip(pty.device);
    try {
      const app = testApp(60_000);
      const modules = [{ name: "counter", bytes: counterBundle("1.0.0", { size: 2048 }) }];
      const images = planFlash({ chip: "esp32", flashBytes: 4 << 20, app, modules });
      const progress: number[] = [];
      const result = await flashEsp32({ port: pty.host, images, baudrate: 921600, onProgress: (p) => progress.push(p.written) });
      expect(result).toMatchObject({ chip: expect.stringContaining("ESP32"), verified: true, reset: true });
      const flash = chip.loader.flash;
      for (const img of images) expect(Buffer.from(flash.subarray(img.address, img.address + img.data.length)).equals(Buffer.from(img.data)), img.name).toBe(true);
      // What a bootloader would see.
      expect(parsePartitionTable(flash.subarray(0x8000, 0x8c00))).toEqual(defaultPartitions());
      expect(activeOtaSlot(flash.subarray(0xd000, 0xf000), 2)).toBe(0);
      expect(readModulesImage(flash.subarray(0x310000, 0x390000)).map((m) => m.name)).toEqual(["counter"]);
      // The stub was uploaded and used: compressed writes, raw MD5, baud change.
      const ops = new Set(chip.loader.ops);
      for (const op of [OP.MEM_BEGIN, OP.MEM_DATA, OP.MEM_END, OP.FLASH_DEFL_BEGIN, OP.FLASH_DEFL_DATA, OP.FLASH_DEFL_END, OP.SPI_FLASH_MD5, OP.CHANGE_BAUDRATE]) expect(ops.has(op), `op 0x${op.toString(16)}`).toBe(true);
      expect(chip.loader.mode).toBe("stub");
      expect(chip.loader.baud).toBe(921600);
      expect(progress.length).toBeGreaterThan(images.length);
    } finally {
      await chip.close();
      await pty.close();
    }
  });
});

describe.skipIf(!socat)("colony flash (CLI)", () => {
  it("flashes app and modules to the board given by its profile", async () => {
    const { execFile } = await import("node:child_process");
    const { mkdtempSync, mkdirSync, writeFileSync } = await import("node:fs");
    const { tmpdir } = await import("node:os");
    const { join } = await import("node:path");
    const dir = mkdtempSync(join(tmpdir(), "colony-flash-"));
    const app = testApp(30_000, 5);
    writeFileSync(join(dir, "app.bin"), app);
    mkdirSync(join(dir, "agents"));
    const cab = counterBundle("1.2.0");
    writeFileSync(join(dir, "agents", "counter.cab"), cab);
    const pty = await openPtyPair();
    const chip = await serveChip(pty.device);
    try {
      const out = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
        execFile("node", ["bin/colony.js", "flash", "--board", "esp32-devkitc", "--port", pty.host, "--app", join(dir, "app.bin"), "--modules", join(dir, "agents")], { encoding: "utf8" }, (e, stdout, stderr) =>
          resolve({ code: e ? ((e as { code?: number }).code ?? 1) : 0, stdout, stderr }),
        ),
      );
      expect(out.code, out.stderr).toBe(0);
      expect(out.stdout).toMatch(/ESP32-D0WD-V3 \(revision 3\): \d+ bytes in [\d.]+ s, MD5 verified, board reset/);
      expect(chip.loader.flash.subarray(0x10000, 0x10000 + app.length)).toEqual(app);
      expect(readModulesImage(chip.loader.flash.subarray(0x310000, 0x390000))).toEqual([{ name: "counter", bytes: cab }]);
      const bad = new Uint8Array(app);
      bad[100] ^= 1;
      writeFileSync(join(dir, "bad.bin"), bad);
      const refused = await new Promise<{ code: number; stderr: string }>((resolve) =>
        execFile("node", ["bin/colony.js", "flash", "--board", "esp32-devkitc", "--port", pty.host, "--app", join(dir, "bad.bin")], { encoding: "utf8" }, (e, _o, stderr) => resolve({ code: e ? 1 : 0, stderr })),
      );
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(/app: checksum/);
    } finally {
      await chip.close();
      await pty.close();
    }
  });
});
