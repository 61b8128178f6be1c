// Reads the firmware's console lines (firmware/runtime: print.c's formats):
// per-agent metrics, published messages, faults.
export interface FirmwareMetrics {
  agent: string;
  status: string;
  lastFault?: string;
  [key: string]: string | number | undefined;
}

export interface FirmwareOutput {
  metrics: Map<string, FirmwareMetrics>;
  published: { agent: string; topic: string; body: string }[];
  faults: { agent: string; kind: string; message: string }[];
  quarantined: string[];
  exit?: { events: number; reason: string };
}

export function parseFirmwareOutput(text: string): FirmwareOutput {
  const out: FirmwareOutput = { metrics: new Map(), published: [], faults: [], quarantined: [] };
  for (const line of text.split("\n")) {
    const w = line.split(" ");
    if (w[0] === "metrics" && w[1]) {
      const m: FirmwareMetrics = { agent: w[1], status: "" };
      for (const kv of w.slice(2)) {
        const [k, v] = kv.split("=");
        if (!k || v === undefined) continue;
        if (k === "status") m.status = v;
        else if (k === "last_fault") m.lastFault = v;
        else m[k] = Number(v);
      }
      out.metrics.set(w[1], m);
    } else if (w[0] === "pub" && w.length === 4) out.published.push({ agent: w[1]!, topic: w[2]!, body: w[3]! });
    else if (w[0] === "fault" && w[1]) {
      const rest = w.slice(2).join(" ");
      const i = rest.indexOf(": ");
      out.faults.push({ agent: w[1], kind: rest.slice(0, i), message: rest.slice(i + 2) });
    } else if (w[0] === "quarantine" && w[1]) out.quarantined.push(w[1]);
    else if (line.startsWith("colony: exit")) {
      const ev = /events=(\d+)/.exec(line);
      const re = /reason=(\w+)/.exec(line);
      out.exit = { events: Number(ev?.[1] ?? 0), reason: re?.[1] ?? "" };
    }
  }
  return out;
}
