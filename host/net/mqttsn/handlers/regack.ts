// REGACK from a client: answers a REGISTER the gateway sent for a wildcard match (6.10).
import type { Handler } from "../core.ts";
import type { PacketOf } from "../packets.ts";

export const onRegack: Handler<PacketOf<"REGACK">> = (gw, peer, p) => {
  const s = gw.session(peer);
  if (!s) return gw.log(`REGACK from ${peer.key} without a session: dropped`);
  s.heard();
  if (p.returnCode !== 0) gw.log(`client ${s.clientId} refused topic id ${p.topicId} (return code ${p.returnCode})`);
  if (!s.acked("REGACK", p.msgId)) gw.log(`REGACK ${p.msgId} from ${s.clientId} matches nothing in flight: dropped`);
};
