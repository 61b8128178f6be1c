import { random_fill } from "./abi";

/** Random numbers from the device (seeded per device in the simulator). */
export namespace random {
  export function u32(): u32 {
    const b = memory.data(4);
    random_fill(b, 4);
    return load<u32>(b);
  }
  /** Uniform in [0, 1). */
  export function f64(): f64 {
    return <f64>u32() / 4294967296.0;
  }
}
