// A small AgentRuntime over V8's WebAssembly for the fixture agents: state is the i32 the
// agent keeps, health is its `healthy` export after a few ticks.
import type { AgentInstance, AgentRuntime, BundleManifest } from "../../host/ota/index.ts";

type Exports = { version(): number; state(): number; restore(x: number): void; healthy(): number; tick(): void };

export interface TestInstance extends AgentInstance {
  readonly exports: Exports;
  stopped: boolean;
}

export class TestRuntime implements AgentRuntime {
  readonly live: TestInstance[] = [];
  async instantiate(wasm: Uint8Array, _manifest: BundleManifest): Promise<TestInstance> {
    const instance = new WebAssembly.Instance(new WebAssembly.Module(new Uint8Array(wasm)));
    const e = instance.exports as unknown as Exports;
    const inst: TestInstance = {
      exports: e,
      stopped: false,
      snapshot() {
        const b = new Uint8Array(4);
        new DataView(b.buffer).setInt32(0, e.state(), true);
        return b;
      },
      restore(s) {
        if (s.length !== 4) throw new Error(`state must be 4 bytes, got ${s.length}`);
        e.restore(new DataView(s.buffer, s.byteOffset).getInt32(0, true));
      },
      async health() {
        return e.healthy() === 1;
      },
      stop() {
        inst.stopped = true;
      },
    };
    this.live.push(inst);
    return inst;
  }
  /** Instances not stopped: the versions running now. */
  running(): TestInstance[] {
    return this.live.filter((i) => !i.stopped);
  }
}
