// Where a client is: a UDP address, and for clients behind a forwarder (5.5) the forwarder's
// address plus the wireless node id that replies must be encapsulated with.
export interface Peer {
  /** Unique key: "address:port" or "address:port/nodeIdHex". */
  readonly key: string;
  readonly address: string;
  readonly port: number;
  readonly encap?: { ctrl: number; nodeId: Uint8Array };
}

export function peerOf(address: string, port: number, encap?: { ctrl: number; nodeId: Uint8Array }): Peer {
  const base = `${address}:${port}`;
  return encap ? { key: `${base}/${Buffer.from(encap.nodeId).toString("hex")}`, address, port, encap } : { key: base, address, port };
}
