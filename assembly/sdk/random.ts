import { random_fill } from "./abi";

/** Random numbers from the device (seeded per device in the simulator). */
export namespace random {
  export function uint(): u32 {
    const b = memory.data(4);
    random_fill(b, 4);
    return load<u32>(b);
  }
  /** Uniform in [0, 1). */
  export function float(): f64 {
    return <f64>uint() / 4294967296.0;
  }
}
