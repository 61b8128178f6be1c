// The audit log: one JSON line per record (a grant, a refusal, an award, an update), each
// holding the SHA-256 of the line before it and an Ed25519 signature by the site's key over
// its own hash. An edited line no longer matches its hash; a removed or reordered line breaks
// the chain; a line rewritten with a new hash fails its signature. `verifyAudit` says which
// line and why.
import { createHash, sign, verify } from "node:crypto";
import { appendFileSync, writeFileSync } from "node:fs";
import { publicKeyObject, type DeviceKey } from "../net/keys.ts";

export interface AuditRecord {
  /** grant | refusal | award | update | policy */
  kind: string;
  t: number;
  device?: string;
  agent?: string;
  text: string;
}

interface Line extends AuditRecord {
  n: number;
  prev: string;
  hash: string;
  sig: string;
}

const GENESIS = "0".repeat(64);

function hashOf(l: Omit<Line, "hash" | "sig">): string {
  // the fields in a fixed order, so the hash does not depend on how a writer orders keys
  const canonical = JSON.stringify([l.n, l.prev, l.kind, l.t, l.device ?? null, l.agent ?? null, l.text]);
  return createHash("sha256").update(canonical).digest("hex");
}

export class AuditLog {
  private prev = GENESIS;
  private n = 0;
  readonly counts: Record<string, number> = {};

  /** Appends to `file` (created empty) as records come. */
  constructor(
    private readonly file: string,
    private readonly key: DeviceKey,
  ) {
    writeFileSync(file, "");
  }

  append(r: AuditRecord): void {
    const body = { n: ++this.n, prev: this.prev, kind: r.kind, t: Math.round(r.t), ...(r.device ? { device: r.device } : {}), ...(r.agent ? { agent: r.agent } : {}), text: r.text };
    const hash = hashOf(body);
    const sig = Buffer.from(sign(null, Buffer.from(hash, "hex"), this.key.privateKey)).toString("hex");
    appendFileSync(this.file, JSON.stringify({ ...body, hash, sig }) + "\n");
    this.prev = hash;
    this.counts[r.kind] = (this.counts[r.kind] ?? 0) + 1;
  }

  get records(): number {
    return this.n;
  }
}

export type AuditVerdict = { ok: true; records: number } | { ok: false; records: number; line: number; problem: string };

/** Checks every line of a log against the site's public key (32 raw bytes). */
export function verifyAudit(text: string, publicKey: Uint8Array): AuditVerdict {
  const key = publicKeyObject(publicKey);
  const lines = text.split("\n").filter((l) => l.length > 0);
  let prev = GENESIS;
  for (let i = 0; i < lines.length; i++) {
    const bad = (problem: string): AuditVerdict => ({ ok: false, records: i, line: i + 1, problem });
    let l: Line;
    try {
      l = JSON.parse(lines[i]!) as Line;
    } catch {
      return bad("not JSON");
    }
    if (l.n !== i + 1) return bad(`record ${String(l.n)} where ${i + 1} was due: a record before it was removed or moved`);
    if (l.prev !== prev) return bad("does not follow the record before it: a record was removed, moved or replaced");
    if (hashOf(l) !== l.hash) return bad("its content does not match its hash: the record was edited");
    if (typeof l.sig !== "string" || !verify(null, Buffer.from(l.hash, "hex"), key, Buffer.from(l.sig, "hex"))) return bad("bad signature: not written with the site's key");
    prev = l.hash;
  }
  return { ok: true, records: lines.length };
}
