// The sealed link at the packet level: firmware/runtime's MQTT-SN client with
// envelopes (compiled for the host) against host/net's MQTT-SN codec and Opener.
// Agent messages leave sealed and arrive opened; OTA topics (colony/<site>/ota/)
// pass raw both ways, through colony_link_publish_raw / _subscribe_raw and the
// colony_ota_message hook, never through the envelope opener.
import { execFileSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { slipEncode } from "../../host/firmware/index.ts";
import { simDeviceSeed } from "../../host/net/index.ts";
import { cborEncode } from "../../host/net/cbor.ts";
import { Opener, Sealer } from "../../host/net/envelope.ts";
import { deviceKeyFromSeed, generateDeviceKey, KeyRing } from "../../host/net/index.ts";
import { decode, encode, flags, type Packet } from "../../host/net/mqttsn/codec.ts";
import { missingTools, OUT, ROOT } from "./helpers.ts";

const missing = missingTools(["cc"]);
const BIN = path.join(OUT, "sealed_link");
const SEED = 3;
const key = (id: string) => deviceKeyFromSeed(id, simDeviceSeed(SEED, id));
const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

describe.skipIf(missing.length > 0)("the sealed link, packet by packet", () => {
  beforeAll(() => {
    mkdirSync(OUT, { recursive: true });
    const rt = path.join(ROOT, "firmware/runtime");
    const crypto = path.join(ROOT, "firmware/crypto");
    execFileSync("cc", ["-std=gnu11", "-Wall", `-I${rt}`, path.join(ROOT, "test/firmware/harness/sealed_link.c"), ...["cbor", "slip", "mqttsn", "bus", "envelope"].map((f) => path.join(rt, `${f}.c`)), ...["sha256", "sha512", "ed25519"].map((f) => path.join(crypto, `${f}.c`)), "-o", BIN]);
  });

  it("seals agent messages, opens incoming envelopes, and passes OTA topics raw", () => {
    const anomaly = cborEncode({ sensor: "accel0", rms: 1.25, alarm: 1 });
    const sealed = new Sealer(key("sim-2"), () => 77).seal("bus.msg", { agent: "monitor", data: anomaly });
    const forged = new Sealer(generateDeviceKey("sim-2"), () => 78, 5).seal("bus.msg", { agent: "monitor", data: anomaly });
    const bundle = Uint8Array.of(0x82, 0x01, 0x42, 0xde, 0xad); // an OTA bundle: not an envelope
    const gateway: Packet[] = [
      { type: "CONNACK", returnCode: 0 },
      { type: "REGACK", topicId: 7, msgId: 1, returnCode: 0 },
      { type: "SUBACK", flags: flags({ qos: 1 }), topicId: 0, msgId: 2, returnCode: 0 },
      { type: "REGACK", topicId: 8, msgId: 4, returnCode: 0 }, // msgId 3 went to the sealed QoS 1 PUBLISH
      { type: "REGISTER", topicId: 9, msgId: 50, topicName: "colony/lab/ota/bundle/hb" },
      { type: "PUBLISH", flags: flags({ qos: 0 }), topicId: 9, msgId: 0, data: bundle },
      { type: "REGISTER", topicId: 10, msgId: 51, topicName: "colony/lab/event/anomaly" },
      { type: "PUBLISH", flags: flags({ qos: 1 }), topicId: 10, msgId: 300, data: sealed },
      { type: "PUBLISH", flags: flags({ qos: 1 }), topicId: 10, msgId: 301, data: forged },
      { type: "PUBLISH", flags: flags({ qos: 1 }), topicId: 10, msgId: 302, data: sealed },
    ];
    const stream = Buffer.concat(gateway.map((p) => slipEncode(encode(p)))).toString("hex");
    const lines = execFileSync(BIN, [stream, hex(simDeviceSeed(SEED, "dev-1")), `colony-sim/${SEED}/`], { encoding: "utf8" }).trim().split("\n");
    const sent = lines.filter((l) => l.startsWith("frame ")).map((l) => decode(new Uint8Array(Buffer.from(l.slice(6), "hex"))));
    const other = lines.filter((l) => !l.startsWith("frame "));

    // the device's side: CONNECT, REGISTER, SUBSCRIBE ota/#, the sealed PUBLISH, REGISTER + raw retained PUBLISH
    expect(sent[2]).toMatchObject({ type: "SUBSCRIBE", topicName: "colony/lab/ota/#" });
    const agentPub = sent[3] as Extract<Packet, { type: "PUBLISH" }>;
    expect(agentPub).toMatchObject({ type: "PUBLISH", topicId: 7 });
    const ring = new KeyRing((id) => key(id).publicKey);
    const env = new Opener(ring).open(agentPub.data);
    expect(env).toMatchObject({ from: "dev-1", seq: 101, ts: 4242, kind: "bus.msg", body: { agent: "hb", data: Uint8Array.of(0xa1, 0x61, 0x6e, 0x01) } });
    expect(sent[4]).toMatchObject({ type: "REGISTER", topicName: "colony/lab/ota/status/dev-1" });
    expect(sent[5]).toMatchObject({ type: "PUBLISH", topicId: 8, flags: { qos: 1, retain: true }, data: Uint8Array.of(0xa1, 0x62, 0x6f, 0x6b, 0xf5) });
    expect(agentPub.flags.retain).toBe(false);

    // what came in: the OTA bundle raw to the hook; the envelope opened for the agent once; forgery and replay dropped
    expect(other).toEqual([
      "link: connected as dev-1",
      "subscribe_raw 0",
      "publish_raw 0",
      `ota colony/lab/ota/bundle/hb ${hex(bundle)}`,
      "envelope: dropped on event/anomaly: bad-signature: sim-2#6 does not verify",
      "envelope: dropped on event/anomaly: replay: sim-2#1 already seen or older than the window",
      `deliver hb event/anomaly ${hex(anomaly)}`,
    ]);
  });
});
