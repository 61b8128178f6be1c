import { utf8 } from "./utf8";
import { model_invoke } from "./abi";

/** int8 inference on the device's CPU or NPU; the manifest must grant model:<name>. */
export namespace model {
  /** Runs model `name`; returns the output bytes written, or a negative error. */
  export function invoke(name: string, input: Int8Array, output: Int8Array): i32 {
    const b = utf8(name);
    return model_invoke(changetype<usize>(b), b.byteLength, input.dataStart, input.length, output.dataStart, output.length);
  }
}
