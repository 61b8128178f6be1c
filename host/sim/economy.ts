// The site's economy in a simulated run: one wallet per device (its key from simDeviceSeed),
// the site's wallet, the treasury that mints the opening balances, and the site ledger
// (LocalLedger until the replicated one lands: both take a SignedTx and answer settled or
// refused). It samples balances for the report, follows escrowed contracts, and bills the
// agent subscription to the site's wallet from what the kernel counted.
import { writeFileSync } from "node:fs";
import { decode as cborDecode, Encoder } from "cbor-x";
import { DeviceWallet, Journal, LocalLedger, signTx, type Entry } from "../economy/index.ts";
import { cpuOf, grantsGroup, type BoardProfile, type Manifest, type TraceEvent } from "../kernel/index.ts";
import { deviceKeyFromSeed, KeyRing, simDeviceSeed, type DeviceKey } from "../net/keys.ts";
import type { EconomySpec } from "./scenario.ts";

export interface ContractRow {
  escrow: string;
  task: string;
  /** a contractor's bond rather than a manager's payment */
  bond: boolean;
  from: string;
  to: string;
  amount: number;
  state: "locked" | "released" | "refunded";
  lockedMs: number;
  settledMs?: number;
}

export interface InvoiceLine {
  ref: string;
  item: string;
  quantity: number;
  unit: string;
  amount: number;
  status: "settled" | "refused";
}

export interface EconomyResult {
  site: string;
  vendor: string;
  /** the columns of samples after the time */
  accounts: string[];
  samples: number[][];
  opening: Record<string, number>;
  closing: Record<string, number>;
  contracts: ContractRow[];
  invoices: InvoiceLine[];
  /** released to contractors for verified work */
  paid: number;
  refunded: number;
  /** bonds of contractors that did not deliver, kept by managers */
  bondsKept: number;
  /** verified task completions (released payments) */
  outcomes: number;
  billed: number;
  /** (paid + billed) / outcomes */
  costPerOutcome?: number;
  minted: number;
  held: number;
  height: number;
  refusals: Record<string, number>;
  journal?: string;
  keys?: string;
}

const cbor = new Encoder({ useRecords: false, variableMapSize: true, tagUint8Array: false });
export const TREASURY = "treasury";

export class SimEconomy {
  readonly keys = new KeyRing();
  readonly ledger: LocalLedger;
  private readonly treasury: DeviceKey;
  private readonly siteKey: DeviceKey;
  private readonly accounts: string[] = [];
  private readonly samples: number[][] = [];
  private readonly contracts = new Map<string, ContractRow>();
  private readonly refusals: Record<string, number> = {};
  private readonly opening: Record<string, number> = {};
  private readonly publicKeys: Record<string, string> = {};
  private nonces = new Map<string, number>();
  private journal?: Journal;

  constructor(
    readonly spec: EconomySpec,
    readonly site: string,
    private readonly seed: number,
    private readonly now: () => number,
    private readonly journalFile?: string,
  ) {
    this.treasury = this.key(TREASURY);
    this.siteKey = this.key(site);
    const leader = this.key(`ledger.${site}`);
    const rules = { treasury: TREASURY, creditLimit: spec.creditLimit };
    if (journalFile) {
      writeFileSync(journalFile, "");
      this.journal = Journal.open(journalFile, rules, this.keys, { sync: false }).journal;
    }
    this.ledger = new LocalLedger(rules, leader, this.keys, now, this.journal);
    this.ledger.listeners.push((e, at) => this.follow(e, at));
    this.accounts.push(site, spec.subscription.vendor);
    this.mint(site, spec.siteBalance);
  }

  private key(id: string): DeviceKey {
    const k = deviceKeyFromSeed(id, simDeviceSeed(this.seed, id));
    this.keys.add(id, k.publicKey);
    this.publicKeys[id] = Buffer.from(k.publicKey).toString("hex");
    return k;
  }

  private mint(to: string, amount: number): void {
    this.opening[to] = amount;
    if (amount > 0) this.ledger.apply(signTx(this.treasury, { kind: "mint", to, amount, nonce: this.nextNonce(TREASURY), ref: "opening balance" }));
  }

  private nextNonce(id: string): number {
    const n = (this.nonces.get(id) ?? 0) + 1;
    this.nonces.set(id, n);
    return n;
  }

  /** The wallet a device is provisioned with; its key is made here and stays in the wallet. */
  walletFor(device: string, trace: (e: Omit<TraceEvent, "t" | "device">) => void): DeviceWallet {
    const w = new DeviceWallet(this.key(device), this.ledger, trace);
    this.accounts.push(device);
    this.mint(device, this.spec.balances.get(device) ?? this.spec.balance);
    return w;
  }

  /** The config an agent with the wallet capability runs with: the tariff, the budget and its board's power. */
  agentState(manifest: Manifest, board: BoardProfile, state: ReadonlyMap<string, Uint8Array>): ReadonlyMap<string, Uint8Array> {
    if (!grantsGroup(manifest, "wallet")) return state;
    const raw = state.get("config");
    const cfg = (raw ? cborDecode(raw) : {}) as Record<string, unknown>;
    const merged = { tariff: this.spec.tariff, budget: this.spec.budget, boardMw: cpuOf(board).activeMw + board.power.idleMw, ...cfg };
    return new Map([...state, ["config", cbor.encode(merged)]]);
  }

  sample(t: number): void {
    this.samples.push([t, ...this.accounts.map((a) => this.ledger.balance(a))]);
  }

  private follow(e: Entry, at: number): void {
    // a term marker carries no transaction
    if (!e.tx) return;
    const b = e.tx.body;
    if (b.kind === "lock") {
      const parts = b.ref.split("/");
      this.contracts.set(b.ref, { escrow: b.ref, task: parts[0]!, bond: b.ref.endsWith("/bond"), from: b.from, to: b.to, amount: b.amount, state: "locked", lockedMs: at });
    } else if (b.kind === "settle") {
      const c = this.contracts.get(b.ref);
      if (c) {
        c.state = b.to === "release" ? "released" : "refunded";
        c.settledMs = at;
      }
    }
  }

  /** A wallet transaction the ledger refused, counted by reason (from the trace). */
  noteTrace(e: TraceEvent): void {
    if (e.type === "wallet" && e.data?.status === "refused") {
      const r = String(e.data.reason);
      this.refusals[r] = (this.refusals[r] ?? 0) + 1;
    }
  }

  /**
   * The subscription for the run, as one invoice: per agent kind its agent-hours of running (from
   * its start to the end, or to its quarantine) and the fuel it burnt, and per verified outcome.
   */
  bill(agents: { device: string; agent: string; fuel: number }[], trace: readonly TraceEvent[], endMs: number): InvoiceLine[] {
    const s = this.spec.subscription;
    const started = new Map<string, number>();
    const stopped = new Map<string, number>();
    for (const e of trace) {
      const k = `${e.device}/${e.agent}`;
      if (e.type === "start" && !started.has(k)) started.set(k, e.t);
      if (e.type === "quarantine") stopped.set(k, e.t);
    }
    const byKind = new Map<string, { hours: number; fuel: number }>();
    for (const a of agents) {
      const k = `${a.device}/${a.agent}`;
      const from = started.get(k);
      const hours = from === undefined ? 0 : Math.max(0, (stopped.get(k) ?? endMs) - from) / 3_600_000;
      const x = byKind.get(a.agent) ?? { hours: 0, fuel: 0 };
      x.hours += hours;
      x.fuel += a.fuel;
      byKind.set(a.agent, x);
    }
    const lines: Omit<InvoiceLine, "status">[] = [];
    for (const [agent, x] of [...byKind].sort(([a], [b]) => a.localeCompare(b))) {
      const amount = Math.ceil(x.hours * s.perAgentHour + (x.fuel / 1e6) * s.perMegaFuel);
      if (amount > 0) lines.push({ ref: `invoice/1/${agent}`.slice(0, 64), item: `${agent}: agent-hours (+ ${(x.fuel / 1e6).toFixed(1)} M fuel)`, quantity: +x.hours.toFixed(4), unit: "agent-hour", amount });
    }
    const outcomes = this.outcomes();
    if (outcomes > 0 && s.perOutcome > 0) lines.push({ ref: "invoice/1/outcomes", item: "verified outcomes", quantity: outcomes, unit: "outcome", amount: Math.ceil(outcomes * s.perOutcome) });
    return lines.map((l) => {
      const r = this.ledger.apply(signTx(this.siteKey, { kind: "transfer", to: s.vendor, amount: l.amount, nonce: this.nextNonce(this.site), ref: l.ref }));
      return { ...l, status: r.status };
    });
  }

  private outcomes(): number {
    let n = 0;
    for (const c of this.contracts.values()) if (!c.bond && c.state === "released") n++;
    return n;
  }

  result(invoices: InvoiceLine[], keysFile?: string): EconomyResult {
    const contracts = [...this.contracts.values()];
    const sum = (f: (c: ContractRow) => boolean) => contracts.filter(f).reduce((n, c) => n + c.amount, 0);
    const paid = sum((c) => !c.bond && c.state === "released");
    const billed = invoices.filter((i) => i.status === "settled").reduce((n, i) => n + i.amount, 0);
    const outcomes = this.outcomes();
    this.journal?.close();
    if (keysFile) writeFileSync(keysFile, JSON.stringify({ site: this.site, treasury: TREASURY, creditLimit: this.spec.creditLimit, keys: this.publicKeys }, null, 2) + "\n");
    const st = this.ledger.chain.state;
    return {
      site: this.site,
      vendor: this.spec.subscription.vendor,
      accounts: this.accounts,
      samples: this.samples,
      opening: this.opening,
      closing: Object.fromEntries(this.accounts.map((a) => [a, st.balance(a)])),
      contracts,
      invoices,
      paid,
      refunded: sum((c) => !c.bond && c.state === "refunded"),
      bondsKept: sum((c) => c.bond && c.state === "released"),
      outcomes,
      billed,
      ...(outcomes > 0 ? { costPerOutcome: +((paid + billed) / outcomes).toFixed(2) } : {}),
      minted: st.minted,
      held: st.held(),
      height: this.ledger.chain.height,
      refusals: this.refusals,
      ...(this.journalFile ? { journal: this.journalFile } : {}),
      ...(keysFile ? { keys: keysFile } : {}),
    };
  }
}
