// PINGRESP from a client: the gateway sends no PINGREQ of its own, but the client is alive.
import type { Handler } from "../core.ts";
import type { PacketOf } from "../packets.ts";

export const onPingresp: Handler<PacketOf<"PINGRESP">> = (gw, peer) => {
  gw.session(peer)?.heard();
};
