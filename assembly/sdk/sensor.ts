import { utf8 } from "./utf8";
import { sensor_open, sensor_read, sensor_watch } from "./abi";

/** A sensor opened by alias ("accel0"); the manifest must grant sensor:<alias>. */
export class Sensor {
  private buf: Float32Array = new Float32Array(0);
  constructor(public readonly name: string, public readonly handle: i32) {}

  get ok(): bool {
    return this.handle >= 0;
  }

  /** The newest `n` samples (a view reused by the next read). */
  read(n: i32): Float32Array {
    if (this.buf.length < n) this.buf = new Float32Array(n);
    const got = this.handle < 0 ? 0 : sensor_read(this.handle, this.buf.dataStart, n);
    return this.buf.subarray(0, got > 0 ? got : 0);
  }

  /** Root mean square of the newest `n` samples. */
  rms(n: i32): f32 {
    const s = this.read(n);
    if (s.length == 0) return 0;
    let acc: f64 = 0;
    for (let i = 0; i < s.length; i++) {
      const v = <f64>unchecked(s[i]);
      acc += v * v;
    }
    return <f32>Math.sqrt(acc / s.length);
  }

  /** Mean of the newest `n` samples. */
  mean(n: i32): f32 {
    const s = this.read(n);
    if (s.length == 0) return 0;
    let acc: f64 = 0;
    for (let i = 0; i < s.length; i++) acc += <f64>unchecked(s[i]);
    return <f32>(acc / s.length);
  }

  /** An onSensor(this) call every `ms` milliseconds (0 stops). */
  watch(ms: i32): bool {
    return sensor_watch(this.handle, ms) == 0;
  }
}

// @lazy: created only in agents that open sensors (a heartbeat's start function stays empty)
// @ts-ignore: decorator
@lazy const opened = new Map<i32, Sensor>();

export namespace sensor {
  export function open(name: string): Sensor {
    const b = utf8(name);
    const s = new Sensor(name, sensor_open(changetype<usize>(b), b.byteLength));
    if (s.handle >= 0) opened.set(s.handle, s);
    return s;
  }
  /** @hidden the Sensor for a handle, for SENSOR events */
  export function byHandle(h: i32): Sensor | null {
    return opened.has(h) ? opened.get(h) : null;
  }
}
