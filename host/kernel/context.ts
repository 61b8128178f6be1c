// What a host function can do for the agent that called it. The device
// implements it; the syscall tables only translate between the ABI and this.
import type { Manifest } from "./manifest.ts";
import type { AgentMemory } from "./memory.ts";

export interface AgentContext {
  readonly agent: string;
  readonly manifest: Manifest;
  readonly memory: AgentMemory;
  now(): number;
  setTimer(id: number, periodMs: number, repeat: boolean): number;
  cancelTimer(id: number): number;
  log(level: number, text: string): void;
  openSensor(alias: string): number;
  readSensor(handle: number, out: Float32Array): number;
  watchSensor(handle: number, periodMs: number): number;
  openActuator(alias: string): number;
  writeActuator(handle: number, command: Uint8Array): number;
  invokeModel(name: string, input: Uint8Array, output: Uint8Array): number;
  publish(topic: string, body: Uint8Array, qos: number): number;
  subscribe(filter: string): number;
  stateGet(key: string): Uint8Array | undefined;
  stateSet(key: string, value: Uint8Array): number;
  stateDelete(key: string): number;
  randomFill(out: Uint8Array): void;
  /** The device's ledger account, or undefined when it has no wallet. */
  walletId(): string | undefined;
  walletTx(kind: number, to: string, amount: number, ref: string, arbiter: string): number;
  walletStatus(handle: number): number;
  walletBalance(account: string): number;
}
