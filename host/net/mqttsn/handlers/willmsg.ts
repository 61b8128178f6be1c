// WILLMSG (6.3): the last step of a CONNECT with will.
import type { Handler } from "../core.ts";
import type { PacketOf } from "../packets.ts";

export const onWillMsg: Handler<PacketOf<"WILLMSG">> = (gw, peer, p) => {
  const s = gw.session(peer);
  if (!s || s.willPending !== "msg" || !s.will) return gw.log(`WILLMSG from ${peer.key} outside a CONNECT with will: dropped`);
  s.heard();
  s.will.msg = p.msg;
  s.willPending = undefined;
  gw.finishConnect(s);
};
