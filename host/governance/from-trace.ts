// What goes into the audit log of a simulated site: read off the kernel's trace as it
// happens: every agent started (with what its manifest grants), every refusal, every
// contract awarded, every over-the-air step that changed what a device runs.
import type { TraceEvent } from "../kernel/index.ts";
import type { AuditRecord } from "./audit.ts";

export function auditFromTrace(e: TraceEvent): AuditRecord | undefined {
  const base = { t: e.t, device: e.device, ...(e.agent ? { agent: e.agent } : {}) };
  if (e.type === "start") return { ...base, kind: "grant", text: `${e.text}; grants ${Array.isArray(e.data?.capabilities) ? (e.data.capabilities as string[]).join(", ") : "?"}` };
  if (e.type === "refused") return { ...base, kind: "refusal", text: e.text };
  if (e.type === "publish" && e.data?.topic === "cnet/award") return { ...base, kind: "award", text: `${e.text}${e.data.body ? ` ${JSON.stringify(e.data.body, (_k, v) => (typeof v === "bigint" ? Number(v) : v instanceof Uint8Array ? undefined : v))}` : ""}` };
  if (e.type === "ota" && /^(committed|rolled-back|refused)/.test(e.text)) return { ...base, kind: "update", text: e.text };
  return undefined;
}
