// How a rollout splits its devices: a canary wave first, then equal waves.
export interface WavePlan {
  readonly canaryPercent: number;
  readonly waves: number;
}

/** Parses "10%" or "10" into a percentage in [0, 100]. */
export function parsePercent(text: string, what: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*%?\s*$/.exec(text);
  const v = m ? Number(m[1]) : NaN;
  if (!(v >= 0 && v <= 100)) throw new Error(`${what} must be a percentage between 0% and 100%, got "${text}"`);
  return v;
}

export function planWaves(devices: readonly string[], plan: WavePlan): string[][] {
  const sorted = [...devices].sort();
  if (sorted.length === 0) return [];
  const canary = plan.canaryPercent > 0 ? Math.max(1, Math.ceil((sorted.length * plan.canaryPercent) / 100)) : 0;
  const waves: string[][] = canary > 0 ? [sorted.slice(0, canary)] : [];
  const rest = sorted.slice(canary);
  const n = Math.max(1, Math.min(plan.waves, rest.length));
  for (let i = 0; i < n && rest.length > 0; i++) waves.push(rest.slice(Math.floor((i * rest.length) / n), Math.floor(((i + 1) * rest.length) / n)));
  return waves.filter((w) => w.length > 0);
}

/** Targets: "all", "group:<name>", "device:<id>[,<id>...]". */
export function selectDevices(target: string, devices: ReadonlyMap<string, { groups: readonly string[] }>): string[] {
  if (target === "all") return [...devices.keys()];
  const m = /^(group|device):(.+)$/.exec(target);
  if (!m) throw new Error(`target must be "all", "group:<name>" or "device:<id>[,<id>]", got "${target}"`);
  if (m[1] === "group") return [...devices].filter(([, d]) => d.groups.includes(m[2]!)).map(([id]) => id);
  return m[2]!.split(",").map((s) => s.trim()).filter((s) => s.length > 0);
}
