// ADVERTISE or GWINFO from another gateway: this gateway keeps no list of peers, so it notes it.
import type { Handler } from "../core.ts";
import type { PacketOf } from "../packets.ts";

export const onOtherGateway: Handler<PacketOf<"ADVERTISE"> | PacketOf<"GWINFO">> = (gw, peer, p) => {
  gw.log(`${p.type} from gateway ${p.gwId} at ${peer.key} noted`);
};
