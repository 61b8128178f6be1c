// REGISTER from a client (6.5): the gateway assigns the topic id and answers REGACK.
import type { Handler } from "../core.ts";
import { ReturnCode, type PacketOf } from "../packets.ts";

export const onRegister: Handler<PacketOf<"REGISTER">> = (gw, peer, p) => {
  const s = gw.session(peer);
  if (!s || (s.state !== "active" && s.state !== "awake")) return gw.log(`REGISTER from ${peer.key} without an active session: dropped`);
  s.heard();
  if (p.topicName.length === 0 || /[#+]/.test(p.topicName)) {
    return gw.send(peer, { type: "REGACK", topicId: 0, msgId: p.msgId, returnCode: ReturnCode.NOT_SUPPORTED });
  }
  gw.send(peer, { type: "REGACK", topicId: s.topics.idFor(p.topicName), msgId: p.msgId, returnCode: ReturnCode.ACCEPTED });
};
