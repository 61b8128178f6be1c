// PUBREL from a client (QoS 2, 6.12): release the held message to the broker exactly once.
import type { Handler } from "../core.ts";
import type { PacketOf } from "../packets.ts";

export const onPubrel: Handler<PacketOf<"PUBREL">> = (gw, peer, p) => {
  const s = gw.session(peer);
  if (!s) return gw.log(`PUBREL from ${peer.key} without a session: dropped`);
  s.heard();
  const held = s.qos2In.get(p.msgId);
  if (!held) return gw.send(peer, { type: "PUBCOMP", msgId: p.msgId }); // a repeated PUBREL
  gw.brokerPublish(s, held.topic, held.data, 2, held.retain).then(
    () => {
      s.qos2In.delete(p.msgId);
      gw.send(peer, { type: "PUBCOMP", msgId: p.msgId });
    },
    (e: Error) => gw.log(`relaying QoS 2 message ${p.msgId} of ${s.clientId} failed: ${e.message} (client will repeat PUBREL)`),
  );
};
