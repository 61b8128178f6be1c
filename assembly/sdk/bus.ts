import { utf8 } from "./utf8";
import { bus_publish, bus_subscribe } from "./abi";
import { Body, Fields } from "./body";

/** A message delivered to onMessage. Topics are relative to the device's site. */
export class Message {
  constructor(public readonly topic: string, public readonly body: Fields) {}
}

export namespace bus {
  /** An empty message body to fill: bus.body().f32("rms", v). */
  export function body(): Body {
    return new Body();
  }
  /** Publishes on a topic the manifest lists under "publish"; false if refused. */
  export function publish(topic: string, body: Body, qos: i32 = 0): bool {
    const t = utf8(topic);
    const from = body.seal();
    return bus_publish(changetype<usize>(t), t.byteLength, from, <i32>(body.end - from), qos) >= 0;
  }
  /** Receives onMessage for a filter (with + and #) the manifest lists under "subscribe". */
  export function subscribe(filter: string): bool {
    const t = utf8(filter);
    return bus_subscribe(changetype<usize>(t), t.byteLength) >= 0;
  }
}
