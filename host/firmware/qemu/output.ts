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
  /** publishes on the site's local-only topics: delivered on the device, never to the link */
  local: { agent: string; topic: string; body: string }[];
  /** the site policy's refusals, each as its console line said it */
  refusals: { agent: string; reason: string; text: string }[];
  /** the policy's totals at exit (policy.c), when the build had one */
  policy?: { checked: number; refused: Record<string, number> };
  faults: { agent: string; kind: string; message: string }[];
  quarantined: string[];
  exit?: { events: number; reason: string };
}

export function parseFirmwareOutput(text: string): FirmwareOutput {
  const out: FirmwareOutput = { metrics: new Map(), published: [], local: [], refusals: [], faults: [], quarantined: [] };
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
    else if (w[0] === "pub" && w.length === 5 && w[4] === "local") out.local.push({ agent: w[1]!, topic: w[2]!, body: w[3]! });
    else if (w[0] === "refused" && w[2] === "policy" && w[3]) {
      const rest = w.slice(3).join(" ");
      const i = rest.indexOf(": ");
      out.refusals.push({ agent: w[1]!, reason: rest.slice(0, i), text: rest.slice(i + 2) });
    } else if (w[0] === "policy" && w[1]?.startsWith("checked=")) {
      const refused: Record<string, number> = {};
      for (const kv of w.slice(2)) refused[kv.slice(0, kv.lastIndexOf("="))] = Number(kv.slice(kv.lastIndexOf("=") + 1));
      out.policy = { checked: Number(w[1].slice(8)), refused };
    }
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
