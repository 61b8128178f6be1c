// The ledger node's journal: an append-only file of length-prefixed entries, synced per append.
// Recovery reads entries until the first torn or invalid one (a crash mid-write) and cuts the
// file there; each entry is checked (signatures, links, the state rules) as it is replayed.
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, renameSync, writeSync, ftruncateSync } from "node:fs";
import type { KeyRing } from "../net/keys.ts";
import { Chain, openEntry, type Entry } from "./chain.ts";
import type { LedgerRules } from "./state.ts";

export interface Recovery {
  chain: Chain;
  /** Bytes cut from the end (a torn or corrupt tail), 0 after a clean stop. */
  discardedBytes: number;
  problem?: string;
}

export class Journal {
  private fd: number;
  private size: number;

  private constructor(
    readonly path: string,
    size: number,
    private readonly sync: boolean,
  ) {
    this.fd = openSync(path, "a");
    this.size = size;
  }

  /** Opens (creating if absent) the journal at `path` and rebuilds the chain it holds. */
  static open(path: string, rules: LedgerRules, keys: KeyRing, opts: { sync?: boolean } = {}): { journal: Journal; recovery: Recovery } {
    const data = existsSync(path) ? readFileSync(path) : Buffer.alloc(0);
    const chain = new Chain(rules);
    let off = 0;
    let problem: string | undefined;
    while (off < data.length) {
      if (off + 4 > data.length) {
        problem = `torn length at byte ${off}`;
        break;
      }
      const len = data.readUInt32BE(off);
      if (off + 4 + len > data.length) {
        problem = `torn entry at byte ${off} (${len} bytes announced, ${data.length - off - 4} present)`;
        break;
      }
      try {
        chain.append(openEntry(new Uint8Array(data.subarray(off + 4, off + 4 + len)), keys));
      } catch (e) {
        problem = `entry at byte ${off}: ${(e as Error).message}`;
        break;
      }
      off += 4 + len;
    }
    if (off < data.length) {
      const fd = openSync(path, "r+");
      ftruncateSync(fd, off);
      fsyncSync(fd);
      closeSync(fd);
    }
    const journal = new Journal(path, off, opts.sync ?? true);
    return { journal, recovery: { chain, discardedBytes: data.length - off, ...(problem ? { problem } : {}) } };
  }

  append(e: Entry): void {
    const rec = Buffer.alloc(4 + e.wire.length);
    rec.writeUInt32BE(e.wire.length, 0);
    rec.set(e.wire, 4);
    writeSync(this.fd, rec);
    if (this.sync) fsyncSync(this.fd);
    this.size += rec.length;
  }

  /** Rewrites the journal as exactly `entries` (after uncommitted entries were replaced). */
  rewrite(entries: readonly Entry[]): void {
    closeSync(this.fd);
    const tmp = `${this.path}.tmp`;
    const fd = openSync(tmp, "w");
    let size = 0;
    for (const e of entries) {
      const rec = Buffer.alloc(4 + e.wire.length);
      rec.writeUInt32BE(e.wire.length, 0);
      rec.set(e.wire, 4);
      writeSync(fd, rec);
      size += rec.length;
    }
    fsyncSync(fd);
    closeSync(fd);
    renameSync(tmp, this.path);
    this.fd = openSync(this.path, "a");
    this.size = size;
  }

  get bytes(): number {
    return this.size;
  }

  close(): void {
    closeSync(this.fd);
  }
}
