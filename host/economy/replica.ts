// One ledger node's copy of the chain: the chain in memory, its journal on disk, and how far it
// knows the chain to be settled. merge() takes entries from an authoritative chain (the
// leader's, or during a recovery the most up-to-date node's) and makes this copy agree with it:
// entries it already holds are skipped, an entry of its own that conflicts (an unsettled tail
// of a deposed leader) is dropped with everything after it, and nothing below the settled height
// is ever rewritten.
import { createHash } from "node:crypto";
import type { KeyRing } from "../net/keys.ts";
import { Chain, EntryError, GENESIS, openEntry, sameHash, type Entry } from "./chain.ts";
import { Journal, type Recovery } from "./journal.ts";
import type { LedgerRules } from "./state.ts";

export interface MergeResult {
  /** Entries appended. */
  appended: number;
  /** Entries of this copy dropped because they conflicted. */
  dropped: number;
  /** Why merging stopped early (a gap, a bad entry, a conflict below the settled height). */
  problem?: string;
  /** Set when this copy dropped its own entry before a link that did not fit: send again from here. */
  resendFrom?: number;
}

export class Replica {
  /** Entries below this height are settled (held by a majority). */
  commit = 0;

  private constructor(
    readonly chain: Chain,
    private readonly keys: KeyRing,
    private readonly journal?: Journal,
    readonly recovery?: Recovery,
  ) {}

  /** A replica rebuilt from its journal at `path` (every whole entry checked), or in memory without one. */
  static open(rules: LedgerRules, keys: KeyRing, path?: string, sync = true): Replica {
    if (!path) return new Replica(new Chain(rules), keys);
    const { journal, recovery } = Journal.open(path, rules, keys, { sync });
    return new Replica(recovery.chain, keys, journal, recovery);
  }

  get height(): number {
    return this.chain.height;
  }

  get tip(): Uint8Array {
    return this.chain.tip;
  }

  get lastTerm(): number {
    return this.chain.lastTerm;
  }

  /** Hash of the entry at `height`, GENESIS for -1, undefined past the tip. */
  hashAt(height: number): Uint8Array | undefined {
    if (height === -1) return GENESIS;
    return this.chain.entries[height]?.hash;
  }

  /** Whether this copy holds, at height-1, the entry whose hash is `tip` (so the first `height` entries agree). */
  agreesUpTo(height: number, tip: Uint8Array): boolean {
    const h = this.hashAt(height - 1);
    return h !== undefined && sameHash(h, tip);
  }

  /** Appends an entry this node made or checked; written to the journal before it counts. */
  append(e: Entry): void {
    this.chain.append(e);
    this.journal?.append(e);
  }

  /** Wire forms of up to `max` entries from `from` on. */
  wires(from: number, max: number): Uint8Array[] {
    return this.chain.entries.slice(from, from + max).map((e) => e.wire);
  }

  merge(wires: readonly Uint8Array[], from: number): MergeResult {
    let appended = 0;
    let dropped = 0;
    for (let i = 0; i < wires.length; i++) {
      const h = from + i;
      const wire = wires[i]!;
      if (h > this.height) return { appended, dropped, problem: `gap: entry ${h} while this copy ends at ${this.height}` };
      if (h < this.height) {
        const mine = this.chain.entries[h]!;
        if (sameHash(mine.hash, sha256(wire))) continue;
        if (h < this.commit) return { appended, dropped, problem: `entry ${h} conflicts with a settled entry (settled height ${this.commit})` };
        dropped += this.truncate(h);
      }
      let e: Entry;
      try {
        e = openEntry(wire, this.keys);
      } catch (err) {
        return { appended, dropped, problem: (err as Error).message };
      }
      if (e.height !== h) return { appended, dropped, problem: `entry at position ${h} says height ${e.height}` };
      if (!sameHash(e.prev, this.tip)) {
        // Our entry before it is not the authority's: drop it, the sender resends from there.
        if (h - 1 < this.commit) return { appended, dropped, problem: `entry ${h} does not link to settled entry ${h - 1}` };
        dropped += this.truncate(h - 1);
        return { appended, dropped, problem: `entry ${h} does not link to this copy's entry ${h - 1} (dropped it)`, resendFrom: h - 1 };
      }
      try {
        this.append(e);
      } catch (err) {
        if (err instanceof EntryError) return { appended, dropped, problem: err.message };
        throw err;
      }
      appended++;
    }
    return { appended, dropped };
  }

  /** Drops entries from `height` on (never settled ones) and rewrites the journal; returns how many. */
  truncate(height: number): number {
    if (height < this.commit) throw new RangeError(`ledger replica: cannot drop settled entries (from ${height}, settled height ${this.commit})`);
    const n = this.chain.truncate(height).length;
    if (n > 0) this.journal?.rewrite(this.chain.entries);
    return n;
  }

  close(): void {
    this.journal?.close();
  }
}

function sha256(b: Uint8Array): Uint8Array {
  return new Uint8Array(createHash("sha256").update(b).digest());
}
