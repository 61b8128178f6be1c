// Two slots per agent on (simulated) flash, one boot record, saved state per slot.
// Install = write the inactive slot, save the handed-over state in both slots, switch the
// boot record to "trial", run the health window, then commit or switch back. Every flash
// write is either a slot the boot record does not point at, or a DualRecord, so a power
// cut at any byte leaves the old or the new version bootable with its saved state.
import { decode, encode, isBytes, isRecord } from "./cbor.ts";
import { OtaError } from "./errors.ts";
import { DualRecord } from "./dual-record.ts";
import type { SimFlash } from "./flash.ts";
import { equalBytes, sha256, verifyBundle, type Bundle } from "./bundle.ts";
import { compareSemVer } from "./semver.ts";
import type { BundleManifest } from "./manifest.ts";
import type { AgentInstance, AgentRuntime } from "./runtime.ts";

export interface SlotLayout {
  /** First byte of this agent's area. */
  readonly offset: number;
  /** Bytes per slot (a bundle plus a 40-byte header must fit). */
  readonly slotSize: number;
  /** Bytes per saved-state copy (state records are kept twice per slot). */
  readonly stateSize: number;
}

export const RECORD_SIZE = 256;

export function slotAreaSize(l: Omit<SlotLayout, "offset">): number {
  return 2 * RECORD_SIZE + 2 * l.slotSize + 4 * l.stateSize + 2 * RECORD_SIZE;
}

/** What a download has put in the inactive slot so far (kept across power cuts). */
export interface StagedDownload {
  readonly data: Uint8Array;
  readonly have: readonly number[];
}

/** The boot record: which slot runs, whether it is on trial, the anti-rollback version. */
interface BootRecord {
  readonly active: 0 | 1;
  readonly trial: boolean;
  /** Highest version ever committed: bundles must be newer. */
  readonly floor: string;
  /** The rollout that produced this record, so a re-delivered job is not redone. */
  readonly rollout: string;
}

export interface SlotPolicy {
  readonly trustedKeys: readonly Uint8Array[];
  readonly abi: readonly number[];
  /** The site's word on an authentic update (who signed it, what it adds): undefined allows it, else why not. */
  readonly allowUpdate?: (running: BundleManifest, next: BundleManifest, publisher: Uint8Array) => string | undefined;
}

export type InstallOutcome = { readonly outcome: "committed"; readonly version: string } | { readonly outcome: "rolled-back"; readonly version: string; readonly reason: "health-check" | "install-failed"; readonly detail: string };

const SLOT_MAGIC = 0x534c4f54; // "SLOT"
const SLOT_HEADER = 40; // magic, length, sha256

export class AgentSlots {
  private readonly bootRec: DualRecord;
  private readonly states: [DualRecord, DualRecord];
  /** Which bundle the inactive slot is receiving, and which chunks of it are written. */
  private readonly stageRec: DualRecord;
  private staging: { slot: 0 | 1; bundle: string; size: number; chunk: number; have: Uint8Array } | null = null;
  private current: { slot: 0 | 1; bundle: Bundle; instance: AgentInstance } | null = null;
  private record: BootRecord | null = null;

  constructor(
    private readonly flash: SimFlash,
    private readonly layout: SlotLayout,
    private readonly runtime: AgentRuntime,
    private readonly policy: SlotPolicy,
  ) {
    const o = layout.offset;
    this.bootRec = new DualRecord(flash, o, RECORD_SIZE);
    const s = o + 2 * RECORD_SIZE + 2 * layout.slotSize;
    this.states = [new DualRecord(flash, s, layout.stateSize), new DualRecord(flash, s + 2 * layout.stateSize, layout.stateSize)];
    this.stageRec = new DualRecord(flash, s + 4 * layout.stateSize, RECORD_SIZE);
  }

  /** The running version, or null when nothing is installed. */
  get version(): string | null {
    return this.current?.bundle.manifest.version ?? null;
  }

  get instance(): AgentInstance | null {
    return this.current?.instance ?? null;
  }

  get floor(): string | null {
    return this.record?.floor ?? null;
  }

  get lastRollout(): string {
    return this.record?.rollout ?? "";
  }

  /** The version in the other slot, if it holds a valid bundle. */
  previousVersion(): string | null {
    if (!this.record) return null;
    return this.readSlot((1 - this.record.active) as 0 | 1)?.manifest.version ?? null;
  }

  /**
   * Prepares the inactive slot to receive `bundle` chunk by chunk, or finds what an earlier
   * attempt (before a reboot) already wrote there. The slot's header is invalidated first:
   * the version it held can no longer be booted or reverted to.
   */
  stage(bundle: string, size: number, chunk: number): StagedDownload {
    const rec = this.readBoot();
    if (!rec) throw new Error("stage on a device with no running version: provision it first");
    if (size + SLOT_HEADER > this.layout.slotSize) throw new OtaError("malformed", `bundle of ${size} bytes does not fit a ${this.layout.slotSize}-byte slot`);
    const slot = (1 - rec.active) as 0 | 1;
    const count = Math.ceil(size / chunk);
    const r = this.stageRec.read();
    const v = r ? decode(r.body) : null;
    if (isRecord(v) && v.s === slot && v.b === bundle && v.n === size && v.c === chunk && isBytes(v.h) && v.h.length === Math.ceil(count / 8)) {
      this.staging = { slot, bundle, size, chunk, have: new Uint8Array(v.h) };
      const have: number[] = [];
      for (let i = 0; i < count; i++) if (v.h[i >> 3]! & (1 << (i & 7))) have.push(i);
      return { data: this.flash.read(this.slotOffset(slot) + SLOT_HEADER, size), have };
    }
    this.flash.erase(this.slotOffset(slot), SLOT_HEADER);
    this.staging = { slot, bundle, size, chunk, have: new Uint8Array(Math.ceil(count / 8)) };
    this.writeStage();
    return { data: new Uint8Array(size), have: [] };
  }

  /** Writes one received chunk into the inactive slot, then records that it is there. */
  stageChunk(index: number, data: Uint8Array): void {
    const st = this.staging;
    if (!st) throw new Error("stageChunk before stage");
    if (index * st.chunk + data.length > st.size) throw new RangeError(`chunk ${index} runs past the ${st.size}-byte bundle`);
    this.flash.write(this.slotOffset(st.slot) + SLOT_HEADER + index * st.chunk, data);
    st.have[index >> 3]! |= 1 << (index & 7);
    this.writeStage();
  }

  private writeStage(): void {
    const st = this.staging!;
    if (st.have.length + 64 > this.stageRec.maxBody) throw new RangeError(`a ${st.size}-byte bundle in ${st.chunk}-byte chunks needs a larger stage record`);
    this.stageRec.write(encode({ s: st.slot, b: st.bundle, n: st.size, c: st.chunk, h: st.have }));
  }

  /** First install on an empty device (the factory image): slot 0, committed. */
  async provision(bundleBytes: Uint8Array): Promise<void> {
    if (this.readBoot()) throw new Error("device already provisioned");
    const b = verifyBundle(bundleBytes, { trustedKeys: this.policy.trustedKeys, abi: this.policy.abi });
    this.writeSlot(0, bundleBytes);
    this.writeBoot({ active: 0, trial: false, floor: b.manifest.version, rollout: "" });
    await this.start(0, null);
  }

  /** After a reset: run the slot the boot record names; a slot still on trial is rolled back. */
  async boot(): Promise<void> {
    const rec = this.readBoot();
    if (!rec) return;
    if (rec.trial) {
      // Power was lost during the health window: the new version never proved itself.
      this.writeBoot({ ...rec, active: (1 - rec.active) as 0 | 1, trial: false });
    }
    const r = this.readBoot()!;
    await this.start(r.active, this.readState(r.active));
  }

  /** Saves the running agent's state (what a reboot restores). */
  checkpoint(): void {
    if (!this.current) return;
    const s = this.current.instance.snapshot();
    if (s) this.writeState(this.current.slot, s);
  }

  async install(bundleBytes: Uint8Array, rollout = ""): Promise<InstallOutcome> {
    const rec = this.readBoot();
    if (!rec || !this.current) throw new Error("install on a device with no running version: provision it first");
    const b = verifyBundle(bundleBytes, { trustedKeys: this.policy.trustedKeys, abi: this.policy.abi, notOlderThan: rec.floor });
    const running = this.current.bundle.manifest;
    if (b.manifest.name !== running.name) throw new OtaError("wrong-agent", `bundle is for "${b.manifest.name}", this slot pair runs "${running.name}"`);
    const forbidden = this.policy.allowUpdate?.(running, b.manifest, b.publicKey);
    if (forbidden !== undefined) throw new OtaError("policy", forbidden);
    if (bundleBytes.length + SLOT_HEADER > this.layout.slotSize)
      throw new OtaError("malformed", `bundle of ${bundleBytes.length} bytes does not fit a ${this.layout.slotSize}-byte slot`);
    const oldSlot = rec.active;
    const newSlot = (1 - oldSlot) as 0 | 1;
    this.writeSlot(newSlot, bundleBytes, this.isStaged(newSlot, bundleBytes));
    const state = this.current.instance.snapshot();
    if (state) {
      this.writeState(oldSlot, state);
      this.writeState(newSlot, state);
    }
    this.writeBoot({ ...rec, active: newSlot, trial: true, rollout });
    const old = this.current;
    old.instance.stop();
    this.current = null;
    let failure: { reason: "health-check" | "install-failed"; detail: string } | null = null;
    try {
      await this.start(newSlot, state);
      if (!(await this.current!.instance.health())) failure = { reason: "health-check", detail: `${b.manifest.name}@${b.manifest.version} failed its health window` };
    } catch (e) {
      failure = { reason: "install-failed", detail: `${b.manifest.name}@${b.manifest.version}: ${(e as Error).message}` };
    }
    if (!failure) {
      this.writeBoot({ active: newSlot, trial: false, floor: b.manifest.version, rollout });
      return { outcome: "committed", version: b.manifest.version };
    }
    (this.current as AgentSlots["current"])?.instance.stop();
    this.current = null;
    this.writeBoot({ ...rec, active: oldSlot, trial: false, rollout });
    await this.start(oldSlot, state);
    return { outcome: "rolled-back", version: old.bundle.manifest.version, ...failure };
  }

  /** Operator rollback: run the other slot's version again, with the current state handed over. */
  async revert(rollout = ""): Promise<string> {
    const rec = this.readBoot();
    if (!rec || !this.current) throw new Error("nothing runs: nothing to roll back");
    const other = (1 - rec.active) as 0 | 1;
    const prev = this.readSlot(other);
    if (!prev || compareSemVer(prev.manifest.version, this.current.bundle.manifest.version) >= 0)
      throw new Error(`no older version to roll back to (running ${this.current.bundle.manifest.version})`);
    const state = this.current.instance.snapshot();
    if (state) this.writeState(other, state);
    this.writeBoot({ ...rec, active: other, trial: false, rollout });
    this.current.instance.stop();
    this.current = null;
    await this.start(other, state);
    return this.version!;
  }

  private async start(slot: 0 | 1, state: Uint8Array | null): Promise<void> {
    const bundle = this.readSlot(slot);
    if (!bundle) throw new Error(`slot ${slot} holds no valid bundle`);
    const instance = await this.runtime.instantiate(bundle.wasm, bundle.manifest);
    try {
      if (state) instance.restore(state);
    } catch (e) {
      instance.stop();
      throw e;
    }
    this.current = { slot, bundle, instance };
  }

  private slotOffset(slot: 0 | 1): number {
    return this.layout.offset + 2 * RECORD_SIZE + slot * this.layout.slotSize;
  }

  /** True when a download already wrote exactly these bytes into `slot`. */
  private isStaged(slot: 0 | 1, bytes: Uint8Array): boolean {
    const st = this.staging;
    return st !== null && st.slot === slot && st.size === bytes.length && equalBytes(this.flash.read(this.slotOffset(slot) + SLOT_HEADER, bytes.length), bytes);
  }

  /** Header last: a slot cut short has no valid header and is never booted. */
  private writeSlot(slot: 0 | 1, bytes: Uint8Array, contentInPlace = false): void {
    const at = this.slotOffset(slot);
    if (contentInPlace) this.flash.erase(at, SLOT_HEADER);
    else {
      this.flash.erase(at, SLOT_HEADER + bytes.length);
      this.flash.write(at + SLOT_HEADER, bytes);
    }
    const head = new Uint8Array(SLOT_HEADER);
    const v = new DataView(head.buffer);
    v.setUint32(0, SLOT_MAGIC, true);
    v.setUint32(4, bytes.length, true);
    head.set(sha256(bytes), 8);
    this.flash.write(at, head);
  }

  private readSlot(slot: 0 | 1): Bundle | null {
    const at = this.slotOffset(slot);
    const head = this.flash.read(at, SLOT_HEADER);
    const v = new DataView(head.buffer);
    const len = v.getUint32(4, true);
    if (v.getUint32(0, true) !== SLOT_MAGIC || len > this.layout.slotSize - SLOT_HEADER) return null;
    const bytes = this.flash.read(at + SLOT_HEADER, len);
    if (!equalBytes(sha256(bytes), head.subarray(8, 40))) return null;
    try {
      return verifyBundle(bytes, { trustedKeys: this.policy.trustedKeys, abi: this.policy.abi });
    } catch {
      return null;
    }
  }

  private writeBoot(r: BootRecord): void {
    this.bootRec.write(encode(r));
    this.record = r;
  }

  private readBoot(): BootRecord | null {
    const r = this.bootRec.read();
    if (!r) return (this.record = null);
    const v = decode(r.body);
    if (!isRecord(v) || (v.active !== 0 && v.active !== 1) || typeof v.floor !== "string") throw new Error("boot record has a valid CRC but unreadable fields");
    return (this.record = { active: v.active, trial: v.trial === true, floor: v.floor, rollout: typeof v.rollout === "string" ? v.rollout : "" });
  }

  private writeState(slot: 0 | 1, state: Uint8Array): void {
    this.states[slot].write(encode({ s: state }));
  }

  private readState(slot: 0 | 1): Uint8Array | null {
    const r = this.states[slot].read();
    if (!r) return null;
    const v = decode(r.body);
    return isRecord(v) && isBytes(v.s) ? v.s : null;
  }
}

