// Checks a JSON value against the subset of JSON Schema that Colony's data
// files use (type, required, additionalProperties: false, enum, pattern,
// minimum, exclusiveMinimum, minItems, items), listing every problem by path.

export interface Schema {
  type?: "object" | "array" | "string" | "number" | "integer" | "boolean";
  required?: string[];
  additionalProperties?: boolean;
  properties?: Record<string, Schema>;
  items?: Schema;
  enum?: unknown[];
  pattern?: string;
  minimum?: number;
  exclusiveMinimum?: number;
  minItems?: number;
}

function typeOk(t: Schema["type"], v: unknown): boolean {
  switch (t) {
    case "object":
      return typeof v === "object" && v !== null && !Array.isArray(v);
    case "array":
      return Array.isArray(v);
    case "integer":
      return Number.isInteger(v);
    case "number":
      return typeof v === "number" && Number.isFinite(v);
    case "string":
      return typeof v === "string";
    case "boolean":
      return typeof v === "boolean";
    default:
      return true;
  }
}

export function checkSchema(schema: Schema, value: unknown, path = "", problems: string[] = []): string[] {
  const at = path || "(root)";
  if (schema.enum && !schema.enum.includes(value)) {
    problems.push(`${at}: must be one of ${schema.enum.map((e) => JSON.stringify(e)).join(", ")} (got ${JSON.stringify(value)})`);
    return problems;
  }
  if (!typeOk(schema.type, value)) {
    problems.push(`${at}: must be ${schema.type === "integer" ? "an integer" : `a${/^[aeiou]/.test(schema.type!) ? "n" : ""} ${schema.type}`} (got ${JSON.stringify(value)})`);
    return problems;
  }
  if (typeof value === "number") {
    if (schema.minimum !== undefined && value < schema.minimum) problems.push(`${at}: must be at least ${schema.minimum} (got ${value})`);
    if (schema.exclusiveMinimum !== undefined && value <= schema.exclusiveMinimum) problems.push(`${at}: must be more than ${schema.exclusiveMinimum} (got ${value})`);
  }
  if (typeof value === "string" && schema.pattern && !new RegExp(schema.pattern).test(value))
    problems.push(`${at}: "${value}" does not match ${schema.pattern}`);
  if (Array.isArray(value)) {
    if (schema.minItems !== undefined && value.length < schema.minItems) problems.push(`${at}: needs at least ${schema.minItems} item(s)`);
    if (schema.items) value.forEach((v, i) => checkSchema(schema.items!, v, `${path}[${i}]`, problems));
  }
  if (schema.type === "object" && typeof value === "object" && value !== null) {
    const obj = value as Record<string, unknown>;
    for (const r of schema.required ?? []) if (!(r in obj)) problems.push(`${path ? path + "." : ""}${r}: required`);
    for (const [k, v] of Object.entries(obj)) {
      const sub = schema.properties?.[k];
      if (sub) checkSchema(sub, v, path ? `${path}.${k}` : k, problems);
      else if (schema.additionalProperties === false) problems.push(`${path ? path + "." : ""}${k}: unknown field`);
    }
  }
  return problems;
}
