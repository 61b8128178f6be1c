import type { HostImports } from "../../engines/index.ts";
import { AbiError } from "../abi.ts";
import type { AgentContext } from "../context.ts";

/** Most samples one read may ask for. */
const MAX_SAMPLES = 4096;

export function sensorSyscalls(ctx: AgentContext): HostImports {
  return {
    sensor_open: (ptr, len) => ctx.openSensor(ctx.memory.string(ptr!, len!, "sensor_open")),
    sensor_read: (handle, buf, max) => {
      if (max! < 0 || max! > MAX_SAMPLES) return AbiError.INVALID;
      const out = new Float32Array(max!);
      const n = ctx.readSensor(handle!, out);
      if (n < 0) return n;
      ctx.memory.write(buf!, new Uint8Array(out.buffer, 0, n * 4), "sensor_read");
      return n;
    },
    sensor_watch: (handle, period) => ctx.watchSensor(handle!, period!),
  };
}
