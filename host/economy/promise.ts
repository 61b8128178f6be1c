// A ledger node's promise: the highest term it has seen and the one node it follows in that
// term. A node promises at most one leader per term, so at most one node can gather a majority
// in a term; the promise is written (and synced) before it is acted on, so a node that restarts
// cannot promise a second leader for a term it already gave away.
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from "node:fs";

export interface Promised {
  term: number;
  /** "" before any promise. */
  leader: string;
}

export class PromiseStore {
  private value: Promised;

  /** `path` undefined: kept in memory only (a node whose crash may forget it). */
  constructor(private readonly path?: string) {
    this.value = { term: 0, leader: "" };
    if (path && existsSync(path)) {
      let v: unknown;
      try {
        v = JSON.parse(readFileSync(path, "utf8"));
      } catch (e) {
        throw new Error(`ledger promise file ${path} is not JSON (${(e as Error).message}); remove it only if this node's journal is removed too`);
      }
      const p = v as Promised;
      if (!Number.isSafeInteger(p?.term) || p.term < 0 || typeof p.leader !== "string")
        throw new Error(`ledger promise file ${path} must hold { term: integer >= 0, leader: text }, got ${JSON.stringify(v)}`);
      this.value = { term: p.term, leader: p.leader };
    }
  }

  get term(): number {
    return this.value.term;
  }

  get leader(): string {
    return this.value.leader;
  }

  set(term: number, leader: string): void {
    if (term < this.value.term) throw new RangeError(`ledger promise cannot go back from term ${this.value.term} to ${term}`);
    this.value = { term, leader };
    if (!this.path) return;
    const tmp = `${this.path}.tmp`;
    const fd = openSync(tmp, "w");
    writeSync(fd, JSON.stringify(this.value));
    fsyncSync(fd);
    closeSync(fd);
    renameSync(tmp, this.path);
  }
}
