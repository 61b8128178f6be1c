// The host ABI v1: the one declaration of every host import an agent may use.
// The AssemblyScript imports (assembly/sdk/abi.ts), the host linker (linker.ts),
// the firmware's table and docs/abi.md are all checked against this table.

export const ABI_VERSION = 1;
/** The wasm import module every host function lives in. */
export const ABI_MODULE = "colony";

export type WasmType = "i32" | "i64" | "f32" | "f64";

/** Capability groups. A manifest grants a group ("bus") or a named resource in it ("sensor:accel0"). */
export const CAPABILITY_GROUPS = ["clock", "log", "sensor", "actuator", "model", "bus", "state", "random", "wallet"] as const;
export type CapabilityGroup = (typeof CAPABILITY_GROUPS)[number];

export interface AbiFunction {
  readonly name: string;
  readonly params: readonly WasmType[];
  readonly results: readonly WasmType[];
  readonly capability: CapabilityGroup;
  readonly doc: string;
}

const fn = (
  name: string,
  capability: CapabilityGroup,
  params: readonly WasmType[],
  results: readonly WasmType[],
  doc: string,
): AbiFunction => ({ name, capability, params, results, doc });

export const ABI_FUNCTIONS: readonly AbiFunction[] = [
  fn("clock_now", "clock", [], ["f64"], "Milliseconds since the device booted (virtual time in the simulator)."),
  fn("clock_timer_set", "clock", ["i32", "i32", "i32"], ["i32"], "(id, period_ms, repeat): arm timer `id`; a TIMER event fires after period_ms, every period_ms if repeat != 0."),
  fn("clock_timer_cancel", "clock", ["i32"], ["i32"], "(id): disarm timer `id`."),
  fn("log_write", "log", ["i32", "i32", "i32"], [], "(level, ptr, len): a UTF-8 log line; level 0 debug, 1 info, 2 warn, 3 error."),
  fn("sensor_open", "sensor", ["i32", "i32"], ["i32"], "(name_ptr, name_len): a handle for sensor alias `name` (needs capability sensor:<name>)."),
  fn("sensor_read", "sensor", ["i32", "i32", "i32"], ["i32"], "(handle, buf_ptr, max_samples): the newest samples as f32 little-endian; returns how many were written."),
  fn("sensor_watch", "sensor", ["i32", "i32"], ["i32"], "(handle, period_ms): a SENSOR event every period_ms; 0 stops it."),
  fn("actuator_open", "actuator", ["i32", "i32"], ["i32"], "(name_ptr, name_len): a handle for actuator alias `name` (needs capability actuator:<name>)."),
  fn("actuator_write", "actuator", ["i32", "i32", "i32"], ["i32"], "(handle, ptr, len): a command (CBOR) to the actuator."),
  fn("model_invoke", "model", ["i32", "i32", "i32", "i32", "i32", "i32"], ["i32"], "(name_ptr, name_len, in_ptr, in_len, out_ptr, out_len): run model `name` (needs model:<name>); returns output bytes written, -6 if the scheduler found no unit to meet its deadline (the reasons are in the trace)."),
  fn("bus_publish", "bus", ["i32", "i32", "i32", "i32", "i32"], ["i32"], "(topic_ptr, topic_len, body_ptr, body_len, qos): publish a CBOR body on a topic the manifest allows."),
  fn("bus_subscribe", "bus", ["i32", "i32"], ["i32"], "(filter_ptr, filter_len): receive MESSAGE events for a topic filter the manifest allows (+ and # wildcards)."),
  fn("state_get", "state", ["i32", "i32", "i32", "i32"], ["i32"], "(key_ptr, key_len, buf_ptr, buf_len): copy the value; returns its full length, or -2 if absent."),
  fn("state_set", "state", ["i32", "i32", "i32", "i32"], ["i32"], "(key_ptr, key_len, val_ptr, val_len): store a value in the agent's key-value store."),
  fn("state_delete", "state", ["i32", "i32"], ["i32"], "(key_ptr, key_len): remove a key."),
  fn("random_fill", "random", ["i32", "i32"], [], "(ptr, len): fill with random bytes (seeded per device in the simulator)."),
  fn("wallet_id", "wallet", ["i32", "i32"], ["i32"], "(buf_ptr, buf_len): copy the device's ledger account id (UTF-8); returns its full length, -2 if the device has no wallet."),
  fn("wallet_tx", "wallet", ["i32", "i32", "i32", "f64", "i32", "i32", "i32", "i32"], ["i32"], "(kind, to_ptr, to_len, amount, ref_ptr, ref_len, arbiter_ptr, arbiter_len): the host signs a transaction with the device's key (never in agent memory) and submits it to the site ledger; kind 1 transfer, 2 iou, 3 lock (escrow `ref`, paid to `to`, decided by `arbiter`), 4 release / 5 refund escrow `ref` (to and amount ignored); returns a handle > 0 or a negative error."),
  fn("wallet_status", "wallet", ["i32"], ["i32"], "(handle): 1 settled, 0 not answered yet, -6 refused by the ledger (the reason is in the device's trace), -2 unknown handle."),
  fn("wallet_balance", "wallet", ["i32", "i32"], ["f64"], "(account_ptr, account_len): the ledger's balance of an account, the device's own when account_len is 0; NaN without a wallet."),
];

export const ABI_BY_NAME: ReadonlyMap<string, AbiFunction> = new Map(ABI_FUNCTIONS.map((f) => [f.name, f]));

/** Results every host function returns on failure (negative i32). */
export const AbiError = {
  INVALID: -1,
  NOT_FOUND: -2,
  DENIED: -3,
  NO_SPACE: -4,
  IO: -5,
  /** the site ledger refused a wallet transaction (overdrawn, replayed, unauthorized, ...), or the scheduler a model_invoke */
  REFUSED: -6,
} as const;

/** The `kind` argument of `wallet_tx`. */
export const WalletTxKind = { TRANSFER: 1, IOU: 2, LOCK: 3, RELEASE: 4, REFUND: 5 } as const;
/** What `wallet_status` says of a handle besides AbiError.REFUSED / NOT_FOUND. */
export const WalletStatus = { PENDING: 0, SETTLED: 1 } as const;

/** The `kind` argument of `on_event`. */
export const EventKind = {
  /** payload: i32 LE timer id */
  TIMER: 1,
  /** payload: u16 LE topic length, topic (UTF-8, relative to the site), CBOR body */
  MESSAGE: 2,
  /** payload: i32 LE sensor handle */
  SENSOR: 3,
} as const;
export type EventKindValue = (typeof EventKind)[keyof typeof EventKind];

/** What an agent module exports. */
export const REQUIRED_EXPORTS = ["colony_abi", "colony_inbox", "init", "on_event", "memory"] as const;
export const OPTIONAL_EXPORTS = ["snapshot", "restore"] as const;
/** The fuel counter the metering pass injects (an exported mutable i32 global). */
export const FUEL_GLOBAL = "colony_fuel";

/** wasm3's signature string for a host function, e.g. "i(ii)". */
export function wasm3Signature(f: AbiFunction): string {
  const letter = (t: WasmType): string => ({ i32: "i", i64: "I", f32: "f", f64: "F" })[t];
  const ret = f.results.length === 0 ? "v" : letter(f.results[0]!);
  return `${ret}(${f.params.map(letter).join("")})`;
}
