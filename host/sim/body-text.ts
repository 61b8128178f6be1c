// A message body as a person reads it: the decoded CBOR, short for a timeline line,
// whole (bytes as hex) for trace.json and --json.

const BYTES_SHOWN = 8;

/** A compact one-line rendering, cut at `max` characters: {celsius: 71.2, hot: true}. */
export function shortBody(v: unknown, max = 72): string {
  const s = render(v, 0);
  return s.length <= max ? s : s.slice(0, max - 1) + "…";
}

/**
 * An agent's log line for a person: numbers printed at full f64 precision
 * (0.9324623346328735) shortened to four significant digits, as bodies are.
 * trace.json keeps the agent's own text.
 */
export function roundedText(s: string): string {
  return s.replace(/-?\d+\.\d{5,}(?:e[-+]?\d+)?/g, (m) => String(Number(Number(m).toPrecision(4))));
}

function render(v: unknown, depth: number): string {
  if (v === null || v === undefined) return String(v);
  if (typeof v === "number") return Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(4)));
  if (typeof v === "bigint") return v.toString();
  if (typeof v === "string") return JSON.stringify(v);
  if (typeof v === "boolean") return String(v);
  if (v instanceof Uint8Array) return `<${v.length} B${v.length ? " " + hex(v.subarray(0, BYTES_SHOWN)) + (v.length > BYTES_SHOWN ? "…" : "") : ""}>`;
  if (depth > 3) return "…";
  if (Array.isArray(v)) return `[${v.map((x) => render(x, depth + 1)).join(", ")}]`;
  if (v instanceof Map) return `{${[...v.entries()].map(([k, x]) => `${render(k, depth + 1)}: ${render(x, depth + 1)}`).join(", ")}}`;
  if (typeof v === "object") return `{${Object.entries(v).map(([k, x]) => `${k}: ${render(x, depth + 1)}`).join(", ")}}`;
  return String(v);
}

function hex(b: Uint8Array): string {
  let s = "";
  for (const x of b) s += x.toString(16).padStart(2, "0");
  return s;
}

/**
 * JSON.stringify replacer: byte strings as {"hex": "..."}, big integers as numbers or strings.
 * It looks at the holder's own value, since a Buffer's toJSON has already run on `v`.
 */
export function jsonBodies(this: unknown, key: string, v: unknown): unknown {
  const raw = (this as Record<string, unknown>)[key];
  if (raw instanceof Uint8Array) return { hex: hex(raw) };
  if (typeof v === "bigint") return Number.isSafeInteger(Number(v)) ? Number(v) : v.toString();
  if (v instanceof Map) return Object.fromEntries(v);
  return v;
}
