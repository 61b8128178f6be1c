import { describe, expect, it } from "vitest";
import { createHash } from "node:crypto";
import {
  activeOtaSlot, appDescriptor, blankOtadata, buildAppImage, buildModulesImage, buildOtadata, buildPartitionTable, checkAppImage,
  chipFromSoc, defaultPartitions, otaSeqCrc, planFlash, parsePartitionCsv, parsePartitionTable, readModulesImage, readOtadata, resolvePartitions,
} from "../../host/firmware/esp32/index.ts";

const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex");

describe("partition table", () => {
  // ESP-IDF's single-app table, offsets left to the generator.
  const csv = `# Name,   Type, SubType, Offset,  Size, Flags
nvs,      data, nvs,     ,        0x6000,
phy_init, data, phy,     ,        0x1000,
factory,  app,  factory, ,        1M,
`;
  it("resolves offsets and writes 32-byte entries, the MD5 entry and FF padding", () => {
    const parts = resolvePartitions(parsePartitionCsv(csv));
    expect(parts.map((p) => [p.name, p.offset, p.size])).toEqual([["nvs", 0x9000, 0x6000], ["phy_init", 0xf000, 0x1000], ["factory", 0x10000, 0x100000]]);
    const bin = buildPartitionTable(parts);
    expect(bin.length).toBe(0xc00);
    // <2sBBLL16sL>: AA 50, type, subtype, offset LE, size LE, label, flags
    expect(hex(bin.subarray(0, 32))).toBe("aa500102" + "00900000" + "00600000" + hex(Buffer.from("nvs")) + "00".repeat(13) + "00000000");
    expect(hex(bin.subarray(32, 64))).toBe("aa500101" + "00f00000" + "00100000" + hex(Buffer.from("phy_init")) + "00".repeat(8) + "00000000");
    expect(hex(bin.subarray(64, 96))).toBe("aa500000" + "00000100" + "00001000" + hex(Buffer.from("factory")) + "00".repeat(9) + "00000000");
    expect(hex(bin.subarray(96, 112))).toBe("ebeb" + "ff".repeat(14));
    expect(hex(bin.subarray(112, 128))).toBe(createHash("md5").update(bin.subarray(0, 96)).digest("hex"));
    expect(bin.subarray(128).every((b) => b === 0xff)).toBe(true);
    expect(parsePartitionTable(bin)).toEqual(parts);
  });

  it("flags, JSON-style specs, and errors naming the partition", () => {
    const parts = resolvePartitions([{ name: "keys", type: "data", subtype: "nvs_keys", offset: "0x9000", size: "4K", flags: ["encrypted", "readonly"] }]);
    expect(hex(buildPartitionTable(parts).subarray(28, 32))).toBe("03000000");
    expect(() => resolvePartitions([{ name: "a", type: "app", subtype: "ota_0", offset: "0x11000", size: "1M" }])).toThrow(/partition 0 \(a\): offset 0x11000 is not aligned to 0x10000/);
    expect(() => resolvePartitions([{ name: "a", type: "data", subtype: "bogus", size: "4K" }])).toThrow(/partition 0 \(a\) subtype: unknown "bogus"/);
    const bin = buildPartitionTable(parts);
    bin[5] ^= 1;
    expect(() => parsePartitionTable(bin)).toThrow(/MD5/);
  });

  it("has a default Colony layout with two OTA slots and an agents partition", () => {
    const parts = defaultPartitions();
    expect(parts.map((p) => p.name)).toEqual(["nvs", "otadata", "phy_init", "ota_0", "ota_1", "agents"]);
    expect(parts.find((p) => p.name === "ota_1")!.offset).toBe(0x190000);
    expect(parts.find((p) => p.name === "agents")).toMatchObject({ type: 1, subtype: 0x40, offset: 0x310000 });
  });
});

describe("flash plan", () => {
  it("places each image by the partition table and refuses what does not fit", () => {
    const app = buildAppImage({ entry: 0x40080000, segments: [{ loadAddr: 0x40080000, data: new Uint8Array(4096) }] });
    const plan = planFlash({ chip: "esp32", flashBytes: 4 << 20, app, modules: [{ name: "a", bytes: new Uint8Array(10) }] });
    expect(plan.map((i) => [i.name, i.address])).toEqual([["partition-table", 0x8000], ["otadata", 0xd000], ["app (ota_0)", 0x10000], ["modules (agents)", 0x310000]]);
    const small = resolvePartitions([{ name: "ota_0", type: "app", subtype: "ota_0", offset: "0x10000", size: "4K" }]);
    expect(() => planFlash({ chip: "esp32", flashBytes: 4 << 20, app, partitions: small })).toThrow(/app is \d+ bytes, partition ota_0 holds 4096/);
    expect(() => planFlash({ chip: "esp32", flashBytes: 4 << 20, modules: [], partitions: small })).toThrow(/no agent-modules partition/);
    expect(() => planFlash({ chip: "esp32c3", flashBytes: 4 << 20, app })).toThrow(/app: built for chip id 0, the board is esp32c3/);
    expect(chipFromSoc("ESP32-D0WD-V3 in an ESP32-WROOM-32E module")).toBe("esp32");
    expect(chipFromSoc("ESP32-S3 (dual Xtensa LX7)")).toBe("esp32s3");
    expect(chipFromSoc("nRF52840")).toBeNull();
  });
});

describe("otadata", () => {
  it("CRC-32 of ota_seq with a 0xFFFFFFFF seed, one entry per sector", () => {
    expect(otaSeqCrc(1)).toBe(0x4743989a);
    const d = buildOtadata(0, 2);
    expect(d.length).toBe(0x2000);
    expect(hex(d.subarray(0, 4))).toBe("01000000");
    expect(hex(d.subarray(4, 24))).toBe("ff".repeat(20));
    expect(hex(d.subarray(24, 32))).toBe("ffffffff" + "9a984347");
    expect(d.subarray(0x1000).every((b) => b === 0xff)).toBe(true);
    expect(activeOtaSlot(d, 2)).toBe(0);
    expect(activeOtaSlot(buildOtadata(1, 2), 2)).toBe(1);
    expect(activeOtaSlot(blankOtadata(), 2)).toBeNull();
    const bad = buildOtadata(1, 2);
    bad[28] ^= 1;
    expect(readOtadata(bad)[0]!.crcOk).toBe(false);
    expect(activeOtaSlot(bad, 2)).toBeNull();
  });
});

describe("app image", () => {
  const img = buildAppImage({
    entry: 0x40080000,
    segments: [
      { loadAddr: 0x3f400020, data: appDescriptor("1.2.3", "colony") },
      { loadAddr: 0x40080000, data: Uint8Array.of(1, 1, 1, 1, 2, 2, 2, 2) },
    ],
  });
  it("lays out header, segments, padding, checksum and SHA-256", () => {
    expect(hex(img.subarray(0, 8))).toBe("e902022000000840");
    // 24 + (8 + 256) + (8 + 8) = 304 -> padded to 319, checksum at 319, SHA-256 after
    expect(img.length).toBe(320 + 32);
    let x = 0xef;
    for (const b of appDescriptor("1.2.3", "colony")) x ^= b;
    expect(img[319]).toBe(x);
    expect(hex(img.subarray(320))).toBe(createHash("sha256").update(img.subarray(0, 320)).digest("hex"));
    const info = checkAppImage(img);
    expect(info).toMatchObject({ entry: 0x40080000, chipId: 0, hashAppended: true, version: "1.2.3", projectName: "colony", length: 352 });
  });
  it("names each fault", () => {
    const t = (f: (b: Uint8Array) => void, chip = "esp32") => {
      const b = new Uint8Array(img);
      f(b);
      return () => checkAppImage(b, chip);
    };
    expect(t((b) => (b[0] = 0xe8))).toThrow(/magic/);
    expect(t((b) => (b[330] ^= 1))).toThrow(/SHA-256/);
    expect(t((b) => (b[300] ^= 1))).toThrow(/checksum/);
    expect(t(() => undefined, "esp32c3")).toThrow(/chip id 0/);
    expect(() => checkAppImage(img.subarray(0, 200))).toThrow(/runs past the end|truncated/);
  });
});

describe("agent-modules image", () => {
  it("round-trips and detects damage", () => {
    const a = new Uint8Array(100).fill(1);
    const b = new Uint8Array(33).fill(2);
    const img = buildModulesImage([{ name: "counter", bytes: a }, { name: "vibration-monitor", bytes: b }]);
    expect(new TextDecoder().decode(img.subarray(0, 8))).toBe("CLNYMOD1");
    expect(img.length % 16).toBe(0);
    const padded = new Uint8Array(4096).fill(0xff);
    padded.set(img);
    expect(readModulesImage(padded)).toEqual([{ name: "counter", bytes: a }, { name: "vibration-monitor", bytes: b }]);
    img[200] ^= 1;
    expect(() => readModulesImage(img)).toThrow(/CRC-32/);
    expect(() => buildModulesImage([{ name: "x", bytes: a }], 64)).toThrow(/holds 64/);
  });
});
