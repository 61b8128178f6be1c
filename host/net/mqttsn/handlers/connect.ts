// CONNECT (6.2): with the Will flag the gateway asks for the will topic and message first.
import type { Handler } from "../core.ts";
import type { PacketOf } from "../packets.ts";

export const onConnect: Handler<PacketOf<"CONNECT">> = (gw, peer, p) => {
  const s = gw.attach(p.clientId, peer, p.flags.cleanSession);
  s.keepAliveMs = p.duration * 1000;
  s.sleepMs = 0;
  s.heard();
  if (p.flags.will) {
    s.state = "connecting";
    s.will = undefined;
    s.willPending = "topic";
    gw.send(peer, { type: "WILLTOPICREQ" });
    return;
  }
  // The will belongs to the connection: a CONNECT without the Will flag leaves none.
  s.will = undefined;
  s.willPending = undefined;
  gw.finishConnect(s);
};
