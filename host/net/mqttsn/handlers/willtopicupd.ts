// WILLTOPICUPD (6.4): change or (empty) delete the will of a connected client.
import type { Handler } from "../core.ts";
import { ReturnCode, type PacketOf } from "../packets.ts";

export const onWillTopicUpd: Handler<PacketOf<"WILLTOPICUPD">> = (gw, peer, p) => {
  const s = gw.session(peer);
  if (!s || s.state !== "active") return gw.log(`WILLTOPICUPD from ${peer.key} without an active session: dropped`);
  s.heard();
  if (!p.flags || p.topic === "") s.will = undefined;
  else {
    const qos = p.flags.qos === -1 ? 0 : p.flags.qos;
    s.will = { topic: p.topic, msg: s.will?.msg ?? new Uint8Array(0), qos, retain: p.flags.retain };
  }
  gw.willChanged(s).then(
    () => gw.send(peer, { type: "WILLTOPICRESP", returnCode: ReturnCode.ACCEPTED }),
    (e: Error) => {
      gw.log(`will update of ${s.clientId}: ${e.message}`);
      gw.send(peer, { type: "WILLTOPICRESP", returnCode: ReturnCode.CONGESTION });
    },
  );
};
