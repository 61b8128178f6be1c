// WILLMSGUPD (6.4): change the will message; refused when there is no will topic.
import type { Handler } from "../core.ts";
import { ReturnCode, type PacketOf } from "../packets.ts";

export const onWillMsgUpd: Handler<PacketOf<"WILLMSGUPD">> = (gw, peer, p) => {
  const s = gw.session(peer);
  if (!s || s.state !== "active") return gw.log(`WILLMSGUPD from ${peer.key} without an active session: dropped`);
  s.heard();
  if (!s.will) return gw.send(peer, { type: "WILLMSGRESP", returnCode: ReturnCode.NOT_SUPPORTED });
  s.will.msg = p.msg;
  gw.willChanged(s).then(
    () => gw.send(peer, { type: "WILLMSGRESP", returnCode: ReturnCode.ACCEPTED }),
    (e: Error) => {
      gw.log(`will update of ${s.clientId}: ${e.message}`);
      gw.send(peer, { type: "WILLMSGRESP", returnCode: ReturnCode.CONGESTION });
    },
  );
};
