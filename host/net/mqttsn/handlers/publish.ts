// PUBLISH from a client (6.8, 6.12): QoS -1 without a session (predefined or short topics),
// QoS 0/1 relayed to the broker (PUBACK after the broker's), QoS 2 held until PUBREL.
import type { Handler } from "../core.ts";
import { ReturnCode, TopicIdType, type PacketOf } from "../packets.ts";

export const onPublish: Handler<PacketOf<"PUBLISH">> = (gw, peer, p) => {
  const f = p.flags;
  const s = gw.session(peer);
  if (f.qos === -1) {
    // 6.8: only predefined ids and short names are meaningful without a connection.
    if (f.topicIdType === TopicIdType.NORMAL) return gw.log(`QoS -1 PUBLISH from ${peer.key} with a normal topic id ${p.topicId}: dropped`);
    const topic = gw.topicName(undefined, f.topicIdType, p.topicId);
    if (!topic) return gw.log(`QoS -1 PUBLISH from ${peer.key} to unknown predefined topic id ${p.topicId}: dropped`);
    if (gw.refusePublish("", topic, p.data)) return;
    return gw.anonymousPublish(topic, p.data, f.retain);
  }
  if (!s || (s.state !== "active" && s.state !== "awake")) {
    // Unknown to us (we restarted, or it was declared lost): DISCONNECT tells it to CONNECT again.
    if (!s) gw.send(peer, { type: "DISCONNECT" });
    return gw.log(`PUBLISH from ${peer.key} without an active session: dropped`);
  }
  s.heard();
  const topic = gw.topicName(s, f.topicIdType, p.topicId);
  if (!topic) {
    gw.send(peer, { type: "PUBACK", topicId: p.topicId, msgId: p.msgId, returnCode: ReturnCode.INVALID_TOPIC_ID });
    return;
  }
  // the site policy, before anything is held or relayed: a refused QoS 1 message is answered, never retried
  if (!s.qos2In.has(p.msgId) && gw.refusePublish(s.clientId, topic, p.data)) {
    if (f.qos === 1) gw.send(peer, { type: "PUBACK", topicId: p.topicId, msgId: p.msgId, returnCode: ReturnCode.NOT_SUPPORTED });
    if (f.qos === 2) gw.send(peer, { type: "PUBREC", msgId: p.msgId }); // and its PUBREL releases nothing
    return;
  }
  if (f.qos === 2) {
    if (!s.qos2In.has(p.msgId)) s.qos2In.set(p.msgId, { topic, data: p.data, retain: f.retain });
    return gw.send(peer, { type: "PUBREC", msgId: p.msgId });
  }
  if (f.qos === 1 && !s.mqtt?.connected) {
    // The broker is away: "congestion" tells the client to keep the message and retry later.
    return gw.send(peer, { type: "PUBACK", topicId: p.topicId, msgId: p.msgId, returnCode: ReturnCode.CONGESTION });
  }
  gw.brokerPublish(s, topic, p.data, f.qos, f.retain).then(
    () => {
      if (f.qos === 1) gw.send(peer, { type: "PUBACK", topicId: p.topicId, msgId: p.msgId, returnCode: ReturnCode.ACCEPTED });
    },
    (e: Error) => {
      gw.log(`relaying PUBLISH of ${s.clientId} on ${topic} failed: ${e.message}`);
      if (f.qos === 1) gw.send(peer, { type: "PUBACK", topicId: p.topicId, msgId: p.msgId, returnCode: ReturnCode.CONGESTION });
    },
  );
};
