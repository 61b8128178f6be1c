// What a shard puts on the broker: a bus message in one MQTT publish on its own topic (the
// header says which shard sent it, who published it and when), and the barrier's sync message.
import type { BusMessage } from "../kernel/index.ts";

const HEADER = 12;

export function encodeBridged(shard: number, msg: BusMessage): Buffer {
  const from = Buffer.from(msg.from, "utf8");
  const out = Buffer.allocUnsafe(HEADER + from.length + msg.body.length);
  out.writeUInt8(shard, 0);
  out.writeUInt8(msg.qos, 1);
  out.writeUInt16LE(from.length, 2);
  out.writeDoubleLE(msg.sentAt ?? -1, 4);
  from.copy(out, HEADER);
  out.set(msg.body, HEADER + from.length);
  return out;
}

export function decodeBridged(topic: string, p: Buffer): { shard: number; msg: BusMessage } | undefined {
  if (p.length < HEADER) return undefined;
  const fromLen = p.readUInt16LE(2);
  if (p.length < HEADER + fromLen) return undefined;
  const sentAt = p.readDoubleLE(4);
  const msg: BusMessage = { topic, from: p.toString("utf8", HEADER, HEADER + fromLen), qos: p.readUInt8(1), body: new Uint8Array(p.buffer, p.byteOffset + HEADER + fromLen, p.length - HEADER - fromLen) };
  if (sentAt >= 0) msg.sentAt = sentAt;
  return { shard: p.readUInt8(0), msg };
}

/** A shard's clock reached `t`; `sent[j]`: messages it has sent that shard j wanted, so far; `filters` when they changed. */
export interface SyncMessage {
  t: number;
  sent: number[];
  filters?: string[];
}

export function syncTopic(run: string, shard: number | "+"): string {
  return `colony-cluster/${run}/sync/${shard}`;
}

export function parseSync(p: Buffer): SyncMessage | undefined {
  try {
    const v = JSON.parse(p.toString("utf8")) as SyncMessage;
    return typeof v.t === "number" && Array.isArray(v.sent) ? v : undefined;
  } catch {
    return undefined;
  }
}
