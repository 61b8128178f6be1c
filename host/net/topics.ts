// The topic tree: everything under colony/<site>/. Agents name topics relative to their site;
// the kernel maps them here. MQTT filter matching (+, #) for the in-process bus and the gateway.
export function siteTopic(site: string, relative: string): string {
  checkLevel(site, "site");
  if (relative.length === 0 || relative.startsWith("/") || relative.includes("#") || relative.includes("+"))
    throw new RangeError(`relative topic "${relative}" must be non-empty, without a leading "/" or wildcards`);
  return `colony/${site}/${relative}`;
}

function checkLevel(s: string, what: string): void {
  if (s.length === 0 || /[/#+]/.test(s)) throw new RangeError(`${what} "${s}" must be non-empty and contain no "/", "+" or "#"`);
}

/** MQTT 3.1.1 section 4.7 matching; "$" topics do not match leading wildcards. */
export function topicMatches(filter: string, topic: string): boolean {
  return levelsMatch(filter.split("/"), topic.split("/"));
}

/** The same on pre-split levels, for routers that split each filter once. */
export function levelsMatch(f: readonly string[], t: readonly string[]): boolean {
  if (t[0]?.startsWith("$") && (f[0] === "+" || f[0] === "#")) return false;
  for (let i = 0; i < f.length; i++) {
    const level = f[i]!;
    if (level === "#") return true;
    if (i >= t.length) return false;
    if (level !== "+" && level !== t[i]) return false;
  }
  return f.length === t.length;
}

export function validFilter(filter: string): boolean {
  if (filter.length === 0) return false;
  const f = filter.split("/");
  return f.every((l, i) => (l === "#" ? i === f.length - 1 : l === "+" || !/[#+]/.test(l)));
}
