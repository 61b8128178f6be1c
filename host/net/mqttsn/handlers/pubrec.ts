// PUBREC from a client: acknowledges a PUBLISH the gateway sent (6.12).
import type { Handler } from "../core.ts";
import type { PacketOf } from "../packets.ts";

export const onPubrec: Handler<PacketOf<"PUBREC">> = (gw, peer, p) => {
  const s = gw.session(peer);
  if (!s) return gw.log(`PUBREC from ${peer.key} without a session: dropped`);
  s.heard();
  if (!s.acked("PUBREC", p.msgId)) gw.log(`PUBREC ${p.msgId} from ${s.clientId} matches nothing in flight: dropped`);
};
