// Checked access to an agent's linear memory: a bad pointer from an agent
// traps that agent, never the host.
import { HostTrap } from "../engines/index.ts";

const decoder = new TextDecoder("utf-8", { fatal: false });

export class AgentMemory {
  constructor(private readonly view: () => Uint8Array) {}

  private check(ptr: number, len: number, what: string): Uint8Array {
    const mem = this.view();
    if (!Number.isInteger(ptr) || !Number.isInteger(len) || ptr < 0 || len < 0 || ptr + len > mem.length)
      throw new HostTrap(`${what}: out-of-bounds memory access (ptr ${ptr}, len ${len}, memory ${mem.length} bytes)`);
    return mem;
  }

  /** bytes of linear memory the agent has now */
  get length(): number {
    return this.view().length;
  }

  bytes(ptr: number, len: number, what = "read"): Uint8Array {
    return this.check(ptr, len, what).subarray(ptr, ptr + len);
  }

  /** A copy, safe to keep after the call. */
  copy(ptr: number, len: number, what = "read"): Uint8Array {
    return this.bytes(ptr, len, what).slice();
  }

  string(ptr: number, len: number, what = "string"): string {
    return decoder.decode(this.bytes(ptr, len, what));
  }

  write(ptr: number, data: Uint8Array, what = "write"): void {
    this.check(ptr, data.length, what).set(data, ptr);
  }
}
