// PUBCOMP from a client: acknowledges a PUBLISH the gateway sent (6.12).
import type { Handler } from "../core.ts";
import type { PacketOf } from "../packets.ts";

export const onPubcomp: Handler<PacketOf<"PUBCOMP">> = (gw, peer, p) => {
  const s = gw.session(peer);
  if (!s) return gw.log(`PUBCOMP from ${peer.key} without a session: dropped`);
  s.heard();
  if (!s.acked("PUBCOMP", p.msgId)) gw.log(`PUBCOMP ${p.msgId} from ${s.clientId} matches nothing in flight: dropped`);
};
