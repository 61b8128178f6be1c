// The payload of a MESSAGE event: [topic length, u16 LE][topic, UTF-8][CBOR body]. One publish
// reaches every subscribed agent with the same body object, so the CBOR check and the payload
// bytes are made once per body, not once per receiving agent (10,000 bidders hear one cfp).
// Bodies are never written after publish; the payload is copied into each agent's memory.
import { decode as cborDecode } from "cbor-x";

export type MessagePayload = { payload: Uint8Array } | { malformed: string } | { tooLong: true };

const made = new WeakMap<Uint8Array, { topic: string; result: MessagePayload }>();
const encoder = new TextEncoder();

export function messagePayload(topic: string, body: Uint8Array): MessagePayload {
  const hit = made.get(body);
  if (hit && hit.topic === topic) return hit.result;
  const result = build(topic, body);
  made.set(body, { topic, result });
  return result;
}

function build(topic: string, body: Uint8Array): MessagePayload {
  try {
    cborDecode(body);
  } catch (e) {
    return { malformed: (e as Error).message };
  }
  const t = encoder.encode(topic);
  if (t.length > 0xffff) return { tooLong: true };
  const payload = new Uint8Array(2 + t.length + body.length);
  payload[0] = t.length & 0xff;
  payload[1] = t.length >> 8;
  payload.set(t, 2);
  payload.set(body, 2 + t.length);
  return { payload };
}
