// PUBACK from a client: acknowledges a PUBLISH the gateway sent (6.12).
import type { Handler } from "../core.ts";
import type { PacketOf } from "../packets.ts";

export const onPuback: Handler<PacketOf<"PUBACK">> = (gw, peer, p) => {
  const s = gw.session(peer);
  if (!s) return gw.log(`PUBACK from ${peer.key} without a session: dropped`);
  s.heard();
  if (p.returnCode !== 0) gw.log(`client ${s.clientId} answered PUBACK with return code ${p.returnCode}`);
  if (!s.acked("PUBACK", p.msgId)) gw.log(`PUBACK ${p.msgId} from ${s.clientId} matches nothing in flight: dropped`);
};
