// Offload over a real broker: a requester without an accelerator sends its input to a peer whose
// model service runs the model on its NPU; the answer is bit-exact with the requester's own CPU run
// of the same real model, for all four models, and bad requests get a clear refusal.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadBoard } from "../../host/kernel/index.ts";
import { EmbeddedBroker, MqttTransport, cborEncode } from "../../host/net/index.ts";
import { OffloadClient, OffloadServer, offloadTopic } from "../../host/sched/index.ts";
import { ModelService } from "../../host/tinyml/index.ts";
import { Mosquitto, mosquittoPath } from "../net/mosquitto.ts";
import { MODEL_NAMES, model, sampleInput } from "./models.ts";

const SITE = "line";
const brokers = [["aedes", true], ["mosquitto", mosquittoPath() !== undefined]] as const;

describe.each(brokers)("offload to a peer's NPU through %s", (kind, available) => {
  let stop: () => Promise<void>;
  let client: OffloadClient;
  let local: ModelService;
  let requester: MqttTransport;

  beforeAll(async () => {
    if (!available) return;
    const broker = kind === "aedes" ? await EmbeddedBroker.start() : await Mosquitto.start();
    const max = loadBoard("max78000");
    const peerModels = await ModelService.create({ npu: max.compute.find((c) => c.kind === "npu") as never, cpu: { mhz: 100 } });
    local = await ModelService.create({ cpu: { mhz: 240 } });
    for (const n of MODEL_NAMES) {
      peerModels.register(n, model(n));
      local.register(n, model(n));
    }
    const peer = new MqttTransport({ name: "camera-1", url: broker.url });
    requester = new MqttTransport({ name: "amr-1", url: broker.url });
    await Promise.all([peer.connect(), requester.connect()]);
    const server = new OffloadServer(peer, SITE, peerModels);
    await server.start();
    client = new OffloadClient(requester, SITE);
    await client.start();
    stop = async () => {
      await client.stop();
      await server.stop();
      await Promise.all([peer.close(), requester.close()]);
      await ("dispose" in broker ? broker.dispose() : broker.stop());
    };
  }, 60_000);
  afterAll(() => stop?.());

  it.skipIf(!available).each(MODEL_NAMES)("%s: the peer's NPU answer equals the local CPU run, byte for byte", async (name) => {
    const input = sampleInput(name);
    const mine = new Uint8Array(model(name).summary.output.bytes);
    expect(local.invoke(name, input, mine, "cpu").unit).toBe("cpu");
    const theirs = await client.run("camera-1", name, input);
    expect(theirs.unit).toBe("npu");
    expect(theirs.output).toEqual(mine);
    expect(theirs.output.some((b) => b !== 0)).toBe(true);
  }, 30_000);

  it.skipIf(!available)("a wrong input length or an unknown model is refused with the reason", async () => {
    await expect(client.run("camera-1", "kws", new Uint8Array(3))).rejects.toThrow(/takes 490 input bytes, got 3/);
    await expect(client.run("camera-1", "nope", new Uint8Array(3))).rejects.toThrow(/no model named "nope"/);
  });

  it.skipIf(!available)("a malformed request does not stop the peer, and a peer that is not there times out", async () => {
    await requester.publish(offloadTopic(SITE, "camera-1"), cborEncode({ id: 7 }), { qos: 1 });
    await requester.publish(offloadTopic(SITE, "camera-1"), new Uint8Array([0xff, 0x00]), { qos: 1 });
    const r = await client.run("camera-1", "ad", sampleInput("ad"));
    expect(r.output.length).toBe(model("ad").summary.output.bytes);
    await expect(client.run("nobody", "ad", sampleInput("ad"), 300)).rejects.toThrow(/no answer in 300 ms/);
  });
});
