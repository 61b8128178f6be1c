// UNSUBSCRIBE (6.10): same three ways to name the topic as SUBSCRIBE.
import type { Handler } from "../core.ts";
import { TopicIdType, type PacketOf } from "../packets.ts";

export const onUnsubscribe: Handler<PacketOf<"UNSUBSCRIBE">> = (gw, peer, p) => {
  const s = gw.session(peer);
  if (!s || (s.state !== "active" && s.state !== "awake")) return gw.log(`UNSUBSCRIBE from ${peer.key} without an active session: dropped`);
  s.heard();
  const filter = p.flags.topicIdType === TopicIdType.PREDEFINED ? gw.predefined(p.topicId ?? 0) : p.topicName;
  if (filter) s.subs.delete(filter);
  const done = () => gw.send(peer, { type: "UNSUBACK", msgId: p.msgId });
  if (!filter) return done();
  gw.brokerUnsubscribe(s, filter).then(done, done);
};
