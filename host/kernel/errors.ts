// Typed errors the kernel raises at its boundary; each names the file or agent and the problem.

export class ManifestError extends Error {
  constructor(
    readonly source: string,
    readonly problems: string[],
  ) {
    super(`${source}: invalid manifest:\n  - ${problems.join("\n  - ")}`);
    this.name = "ManifestError";
  }
}

/** A module the loader refuses (missing capability, over budget, malformed, wrong ABI). */
export class LoadError extends Error {
  constructor(
    readonly agent: string,
    message: string,
  ) {
    super(`${agent}: ${message}`);
    this.name = "LoadError";
  }
}

export class BoardError extends Error {
  constructor(
    readonly source: string,
    readonly problems: string[],
  ) {
    super(`${source}: invalid board profile:\n  - ${problems.join("\n  - ")}`);
    this.name = "BoardError";
  }
}
