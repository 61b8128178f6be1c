// The one switch on the message type: each type goes to its handler in handlers/.
import type { GatewayCore } from "./core.ts";
import type { Packet } from "./packets.ts";
import type { Peer } from "./peer.ts";
import { onOtherGateway } from "./handlers/advertise.ts";
import { onConnect } from "./handlers/connect.ts";
import { onDisconnect } from "./handlers/disconnect.ts";
import { onPingreq } from "./handlers/pingreq.ts";
import { onPingresp } from "./handlers/pingresp.ts";
import { onPuback } from "./handlers/puback.ts";
import { onPubcomp } from "./handlers/pubcomp.ts";
import { onPublish } from "./handlers/publish.ts";
import { onPubrec } from "./handlers/pubrec.ts";
import { onPubrel } from "./handlers/pubrel.ts";
import { onRegack } from "./handlers/regack.ts";
import { onRegister } from "./handlers/register.ts";
import { onSearchGw } from "./handlers/searchgw.ts";
import { onSubscribe } from "./handlers/subscribe.ts";
import { onUnexpected } from "./handlers/unexpected.ts";
import { onUnsubscribe } from "./handlers/unsubscribe.ts";
import { onWillMsg } from "./handlers/willmsg.ts";
import { onWillMsgUpd } from "./handlers/willmsgupd.ts";
import { onWillTopic } from "./handlers/willtopic.ts";
import { onWillTopicUpd } from "./handlers/willtopicupd.ts";

export function dispatch(gw: GatewayCore, peer: Peer, p: Packet): void {
  switch (p.type) {
    case "ADVERTISE": case "GWINFO": return onOtherGateway(gw, peer, p);
    case "SEARCHGW": return onSearchGw(gw, peer, p);
    case "CONNECT": return onConnect(gw, peer, p);
    case "WILLTOPIC": return onWillTopic(gw, peer, p);
    case "WILLMSG": return onWillMsg(gw, peer, p);
    case "REGISTER": return onRegister(gw, peer, p);
    case "REGACK": return onRegack(gw, peer, p);
    case "PUBLISH": return onPublish(gw, peer, p);
    case "PUBACK": return onPuback(gw, peer, p);
    case "PUBREC": return onPubrec(gw, peer, p);
    case "PUBREL": return onPubrel(gw, peer, p);
    case "PUBCOMP": return onPubcomp(gw, peer, p);
    case "SUBSCRIBE": return onSubscribe(gw, peer, p);
    case "UNSUBSCRIBE": return onUnsubscribe(gw, peer, p);
    case "PINGREQ": return onPingreq(gw, peer, p);
    case "PINGRESP": return onPingresp(gw, peer, p);
    case "DISCONNECT": return onDisconnect(gw, peer, p);
    case "WILLTOPICUPD": return onWillTopicUpd(gw, peer, p);
    case "WILLMSGUPD": return onWillMsgUpd(gw, peer, p);
    case "CONNACK": case "WILLTOPICREQ": case "WILLMSGREQ": case "SUBACK": case "UNSUBACK":
    case "WILLTOPICRESP": case "WILLMSGRESP":
      return onUnexpected(gw, peer, p);
    case "ENCAPSULATED": return gw.log(`nested encapsulation from ${peer.key}: dropped`);
  }
}
