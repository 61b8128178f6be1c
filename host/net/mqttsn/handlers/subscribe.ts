// SUBSCRIBE (6.9): by topic name (wildcards allowed: topic id 0, the gateway registers ids
// as messages arrive), by predefined id, or by short name.
import type { Handler } from "../core.ts";
import { flags, ReturnCode, TopicIdType, type PacketOf } from "../packets.ts";

export const onSubscribe: Handler<PacketOf<"SUBSCRIBE">> = (gw, peer, p) => {
  const s = gw.session(peer);
  if (!s || (s.state !== "active" && s.state !== "awake")) return gw.log(`SUBSCRIBE from ${peer.key} without an active session: dropped`);
  s.heard();
  const qos = p.flags.qos === -1 ? 0 : p.flags.qos;
  const refuse = (rc: number) => gw.send(peer, { type: "SUBACK", flags: flags({ qos }), topicId: 0, msgId: p.msgId, returnCode: rc });
  let filter: string | undefined;
  let topicId = 0;
  if (p.flags.topicIdType === TopicIdType.PREDEFINED) {
    filter = gw.predefined(p.topicId ?? 0);
    if (!filter) return refuse(ReturnCode.INVALID_TOPIC_ID);
    topicId = p.topicId!;
  } else if (p.flags.topicIdType === TopicIdType.SHORT) {
    filter = p.topicName!;
    if (filter.length !== 2) return refuse(ReturnCode.INVALID_TOPIC_ID);
  } else {
    filter = p.topicName!;
    if (!/[#+]/.test(filter)) topicId = s.topics.idFor(filter);
  }
  const name = filter;
  gw.brokerSubscribe(s, name, qos).then((granted) => {
    if (granted === 128) return refuse(s.mqtt?.connected ? ReturnCode.NOT_SUPPORTED : ReturnCode.CONGESTION);
    s.subs.set(name, granted as 0 | 1 | 2);
    gw.send(peer, { type: "SUBACK", flags: flags({ qos: granted as 0 | 1 | 2 }), topicId, msgId: p.msgId, returnCode: ReturnCode.ACCEPTED });
  });
};
