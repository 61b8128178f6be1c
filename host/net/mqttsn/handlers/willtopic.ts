// WILLTOPIC (6.3): an empty one means "no will"; otherwise ask for the will message.
import type { Handler } from "../core.ts";
import type { PacketOf } from "../packets.ts";

export const onWillTopic: Handler<PacketOf<"WILLTOPIC">> = (gw, peer, p) => {
  const s = gw.session(peer);
  if (!s || s.willPending !== "topic") return gw.log(`WILLTOPIC from ${peer.key} outside a CONNECT with will: dropped`);
  s.heard();
  if (!p.flags || p.topic === "") {
    s.willPending = undefined;
    s.will = undefined;
    return gw.finishConnect(s);
  }
  const qos = p.flags.qos === -1 ? 0 : p.flags.qos;
  s.will = { topic: p.topic, msg: new Uint8Array(0), qos, retain: p.flags.retain };
  s.willPending = "msg";
  gw.send(peer, { type: "WILLMSGREQ" });
};
