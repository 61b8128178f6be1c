// An MQTT 3.1.1 PUBLISH at QoS 0 (spec 3.3) as one buffer. The gateway forwards every
// datagram as one of these; building it here and writing it in one piece costs a fraction
// of a general client's publish path (options, store, a write per field), which is most of
// what the gateway does per message.

/** Fixed header, remaining length (variable byte integer), topic (UTF-8, u16 length), payload. */
export function qos0Publish(topic: string, payload: Uint8Array, retain: boolean): Buffer {
  const topicBytes = Buffer.byteLength(topic, "utf8");
  if (topicBytes > 0xffff) throw new RangeError(`topic of ${topicBytes} bytes: MQTT allows 65535`);
  const remaining = 2 + topicBytes + payload.length;
  if (remaining > 268_435_455) throw new RangeError(`PUBLISH of ${remaining} bytes: MQTT allows 268435455`);
  let lenBytes = 1;
  for (let n = remaining; n > 127; n = Math.floor(n / 128)) lenBytes++;
  const out = Buffer.allocUnsafe(1 + lenBytes + remaining);
  out[0] = 0x30 | (retain ? 1 : 0);
  let i = 1;
  let n = remaining;
  do {
    let byte = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) byte |= 0x80;
    out[i++] = byte;
  } while (n > 0);
  out.writeUInt16BE(topicBytes, i);
  i += 2;
  i += out.write(topic, i, "utf8");
  out.set(payload, i);
  return out;
}
