// Messages only a gateway sends (CONNACK, WILLTOPICREQ, SUBACK, ...): a client sending one is
// confused; drop it with a log line.
import type { Handler } from "../core.ts";
import type { Packet } from "../packets.ts";

export const onUnexpected: Handler<Packet> = (gw, peer, p) => {
  gw.log(`${p.type} is sent by gateways, not clients (from ${peer.key}): dropped`);
};
