import { utf8 } from "./utf8";
import { state_delete, state_get, state_set } from "./abi";
import { Fields } from "./body";

function key(k: string): ArrayBuffer {
  return utf8(k);
}

/** The agent's own key-value store, kept by the device across restarts. */
export namespace state {
  export function set(k: string, value: Uint8Array): bool {
    const kb = key(k);
    return state_set(changetype<usize>(kb), kb.byteLength, value.dataStart, value.length) >= 0;
  }
  /** The value of `k`, or null when absent. */
  export function get(k: string): Uint8Array | null {
    const kb = key(k);
    let buf = new Uint8Array(64);
    let n = state_get(changetype<usize>(kb), kb.byteLength, buf.dataStart, buf.length);
    if (n < 0) return null;
    if (n > buf.length) {
      buf = new Uint8Array(n);
      n = state_get(changetype<usize>(kb), kb.byteLength, buf.dataStart, buf.length);
    }
    return buf.subarray(0, n);
  }
  export function setF64(k: string, v: f64): bool {
    const b = new Uint8Array(8);
    store<f64>(b.dataStart, v);
    return set(k, b);
  }
  export function getF64(k: string, dflt: f64 = 0): f64 {
    const b = get(k);
    return b !== null && b.length == 8 ? load<f64>(b.dataStart) : dflt;
  }
  export function setString(k: string, v: string): bool {
    return set(k, Uint8Array.wrap(utf8(v)));
  }
  export function getString(k: string, dflt: string = ""): string {
    const b = get(k);
    return b === null ? dflt : String.UTF8.decodeUnsafe(b.dataStart, b.length);
  }
  /** The agent's configuration: a CBOR map the deployment puts under key "config" (empty if none). */
  export function config(): Fields {
    const b = get("config");
    return b === null ? Fields.empty() : new Fields(b.slice());
  }
  export function remove(k: string): void {
    const kb = key(k);
    state_delete(changetype<usize>(kb), kb.byteLength);
  }
}
