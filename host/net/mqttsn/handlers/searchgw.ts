// SEARCHGW (6.1): answer GWINFO with our gateway id (no address: it is the sender's reply path).
import type { Handler } from "../core.ts";
import type { PacketOf } from "../packets.ts";

export const onSearchGw: Handler<PacketOf<"SEARCHGW">> = (gw, peer) => {
  gw.send(peer, { type: "GWINFO", gwId: gw.gwId, gwAdd: new Uint8Array(0) });
};
