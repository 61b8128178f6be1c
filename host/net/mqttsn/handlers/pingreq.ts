// PINGREQ (6.11, 6.14): keep-alive; with a client id from a sleeping client it means
// "I am awake": the gateway sends the buffered messages, then PINGRESP, and the client sleeps again.
import type { Handler } from "../core.ts";
import type { PacketOf } from "../packets.ts";

export const onPingreq: Handler<PacketOf<"PINGREQ">> = (gw, peer, p) => {
  const s = gw.session(peer);
  if (!s) {
    // 6.11: a gateway answers pings from anyone; that is how clients check it is alive.
    return gw.send(peer, { type: "PINGRESP" });
  }
  s.heard();
  if (p.clientId !== undefined && s.state === "asleep" && p.clientId === s.clientId) {
    s.state = "awake";
    s.pingrespWhenDrained = true;
    s.flushBuffered();
    return;
  }
  gw.send(peer, { type: "PINGRESP" });
};
