// DISCONNECT (6.14): with a duration the client goes to sleep (messages are buffered);
// without one it leaves cleanly and its will is discarded.
import type { Handler } from "../core.ts";
import type { PacketOf } from "../packets.ts";

export const onDisconnect: Handler<PacketOf<"DISCONNECT">> = (gw, peer, p) => {
  const s = gw.session(peer);
  if (!s) return gw.send(peer, { type: "DISCONNECT" });
  s.heard();
  if (p.duration !== undefined && p.duration > 0) {
    s.state = "asleep";
    s.sleepMs = p.duration * 1000;
    gw.send(peer, { type: "DISCONNECT" });
    return;
  }
  gw.send(peer, { type: "DISCONNECT" });
  gw.end(s);
};
