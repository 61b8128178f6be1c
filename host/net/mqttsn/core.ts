// What a message handler may ask of the gateway: the seam between handlers/ and gateway.ts.
import type { Packet } from "./packets.ts";
import type { Peer } from "./peer.ts";
import type { ClientSession } from "./session.ts";

export interface GatewayCore {
  readonly gwId: number;
  log(line: string): void;
  send(peer: Peer, p: Packet): void;
  /** The session living at this peer, if any. */
  session(peer: Peer): ClientSession | undefined;
  /** Create a session for clientId at peer, or move the existing one there (6.3, 6.14). */
  attach(clientId: string, peer: Peer, cleanSession: boolean): ClientSession;
  /** Open (or reuse) the session's broker connection, then send CONNACK. */
  finishConnect(s: ClientSession): void;
  /** The will changed (WILLTOPICUPD/WILLMSGUPD): register it where wills are kept; rejects if the broker is away. */
  willChanged(s: ClientSession): Promise<void>;
  /** The client went silent: publish its will, end its broker connection, forget it. */
  lose(s: ClientSession, why: string): void;
  /** A clean DISCONNECT: no will. */
  end(s: ClientSession): void;
  /** Topic name for a topic id of the given type (predefined table, short name, client registry). */
  topicName(s: ClientSession | undefined, topicIdType: number, topicId: number): string | undefined;
  /** Predefined topic id -> name. */
  predefined(id: number): string | undefined;
  /** Subscribe the session's broker connection: granted QoS, or 128 when refused or unreachable. */
  brokerSubscribe(s: ClientSession, filter: string, qos: 0 | 1 | 2): Promise<number>;
  brokerUnsubscribe(s: ClientSession, filter: string): Promise<void>;
  /** Publish through the session's broker connection; resolves when the broker acknowledged. */
  brokerPublish(s: ClientSession, topic: string, data: Uint8Array, qos: 0 | 1 | 2, retain: boolean): Promise<void>;
  /** The publish gate's word on a client's PUBLISH: true (logged and counted) when it may not be relayed. */
  refusePublish(client: string, topic: string, data: Uint8Array): boolean;
  /** QoS -1: publish through the gateway's own broker connection. */
  anonymousPublish(topic: string, data: Uint8Array, retain: boolean): void;
}

/** One handler per message type: handlers/<message>.ts. */
export type Handler<P extends Packet> = (gw: GatewayCore, peer: Peer, p: P) => void;
