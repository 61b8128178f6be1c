// Shared test vectors: the firmware's CBOR check, topic matching, SLIP framing
// and MQTT-SN client (firmware/runtime/, compiled for the host) against the
// host's own codecs (host/net, host/kernel): byte for byte.
import { execFileSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { slipEncode } from "../../host/firmware/index.ts";
import { topicMatches } from "../../host/kernel/index.ts";
import { cborDecode, cborEncode } from "../../host/net/cbor.ts";
import { encode, flags, type Packet } from "../../host/net/mqttsn/codec.ts";
import { missingTools, OUT, ROOT } from "./helpers.ts";

const missing = missingTools(["cc"]);
const BIN = path.join(OUT, "vectors");

function harness(...args: string[]): string[] {
  return execFileSync(BIN, args, { encoding: "utf8" }).trim().split("\n");
}
const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

describe.skipIf(missing.length > 0)("firmware runtime against the host codecs", () => {
  beforeAll(() => {
    mkdirSync(OUT, { recursive: true });
    const rt = path.join(ROOT, "firmware/runtime");
    execFileSync("cc", ["-std=gnu11", "-Wall", `-I${rt}`, path.join(ROOT, "test/firmware/harness/vectors.c"), ...["cbor", "slip", "mqttsn", "bus"].map((f) => path.join(rt, `${f}.c`)), "-o", BIN]);
  });

  it("accepts exactly the CBOR the host decodes", () => {
    const good = [0, 23, 24, 65535, -1, -1000000, 1.5, 0.1, Math.fround(1.25), "accel0", "", new Uint8Array([1, 2, 3]), [1, [2, [3]]], { rms: 1.25, alarm: 1, sensor: "accel0" }, { nested: { a: [true, false, null] } }, 2 ** 40];
    const bad = ["", "ff", "a1", "a16161", "5f4101", "7f6161", "1c", "3f", "9f01", "820102ff", "a26161016162"];
    const vectors = [...good.map((v) => hex(cborEncode(v))), ...bad, "9f0102ff", "bf616101ff", "5f4101420203ff", "c11a514b67b0"];
    const lens = harness("cbor", ...vectors.map((v) => v || "-")).map(Number);
    vectors.forEach((v, i) => {
      const bytes = Buffer.from(v, "hex");
      let hostOk = true;
      try {
        cborDecode(new Uint8Array(bytes));
      } catch {
        hostOk = false;
      }
      expect({ v, ok: lens[i] === bytes.length && bytes.length > 0 }).toEqual({ v, ok: hostOk });
    });
  });

  it("matches topic filters as the kernel does", () => {
    const cases: [string, string][] = [["a/#", "a"], ["a/#", "a/b/c"], ["a/+", "a/b"], ["a/+", "a/b/c"], ["+/+", "a/b"], ["event/anomaly", "event/anomaly"], ["event/anomaly", "event/ack"], ["#", "x/y"], ["a/+/c", "a/b/c"], ["a/b", "a"]];
    const got = harness("topic", ...cases.flat()).map(Number);
    cases.forEach(([f, t], i) => expect({ f, t, m: got[i] === 1 }).toEqual({ f, t, m: topicMatches(f, t) }));
  });

  it("speaks MQTT-SN byte for byte as host/net's codec encodes it", () => {
    const gateway: Packet[] = [
      { type: "CONNACK", returnCode: 0 },
      { type: "REGACK", topicId: 7, msgId: 1, returnCode: 0 },
      { type: "PUBLISH", flags: flags({ qos: 1 }), topicId: 7, msgId: 300, data: cborEncode({ n: 5 }) },
    ];
    const stream = Buffer.concat(gateway.map((p) => slipEncode(encode(p)))).toString("hex");
    const lines = harness("link", stream);
    const expected: Packet[] = [
      { type: "CONNECT", flags: flags({ cleanSession: true }), protocolId: 1, duration: 60, clientId: "dev-1" },
      { type: "REGISTER", topicId: 0, msgId: 1, topicName: "colony/lab/presence/heartbeat" },
      { type: "PUBLISH", flags: flags({ qos: 1 }), topicId: 7, msgId: 2, data: new Uint8Array([0xa1, 0x61, 0x6e, 0x01]) },
      { type: "PUBACK", topicId: 7, msgId: 300, returnCode: 0 },
    ];
    expect(lines.slice(0, 4)).toEqual(expected.map((p) => hex(encode(p))));
    expect(lines[4]).toBe("queued 1"); // the gateway's PUBLISH reached the local bus
  });
});
