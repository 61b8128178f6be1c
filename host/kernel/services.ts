// What a device gives each of its agents: clock, engine, bus, hardware, models.
import type { Engine } from "../engines/index.ts";
import type { ActuatorSink, Rng, SensorSource } from "../hal/index.ts";
import type { RunningAgent } from "./agent.ts";
import type { Clock } from "./scheduler.ts";
import type { SupervisorPolicy } from "./supervisor.ts";
import type { TraceEvent } from "./trace.ts";
import type { PublishGate } from "./gate.ts";

/** The model binding; the TinyML core implements it (CPU or the board's NPU). */
export interface ModelBinding {
  /** Runs model `name`; returns output bytes written or a negative ABI error. */
  invoke(agent: RunningAgent, name: string, input: Uint8Array, output: Uint8Array): number;
}

/** The device's wallet: it holds the device's signing key, so agents sign through it and never
 *  see the key. The economy layer implements it (host/economy/device-wallet.ts). */
export interface WalletPort {
  readonly account: string;
  /** Signs and submits; a handle > 0, or a negative AbiError (INVALID names what is wrong in the trace). */
  submit(agent: string, kind: number, to: string, amount: number, ref: string, arbiter: string): number;
  /** WalletStatus.SETTLED / PENDING, AbiError.REFUSED, or AbiError.NOT_FOUND for an unknown handle. */
  status(handle: number): number;
  balance(account: string): number;
}

export interface DeviceServices {
  readonly clock: Clock;
  readonly engine: Engine;
  readonly rng: Rng;
  readonly policy: SupervisorPolicy;
  readonly sensors: ReadonlyMap<string, SensorSource>;
  readonly actuators: ReadonlyMap<string, ActuatorSink>;
  readonly models?: ModelBinding;
  readonly id: string;
  /** the site's policy on what may leave the device, if it has one */
  readonly gate?: PublishGate;
  /** the device's wallet, when it was provisioned with one */
  readonly wallet?: WalletPort;
  trace(e: Omit<TraceEvent, "t" | "device">): void;
  publish(agent: RunningAgent, topic: string, body: Uint8Array, qos: 0 | 1): void;
  /** Subscribes to a site-relative filter; the callback gets the relative topic. */
  subscribe(filter: string, deliver: (topic: string, body: Uint8Array, from: string) => void): () => void;
}
