// Triadic regulation: a task is admitted only when the device's state (battery, temperature, busy,
// degraded sensor, failed unit) and its resources (fuel, memory, the unit's queue) allow it; when the
// state changes, the policy says which queued tasks are shed and which migrate elsewhere.
import type { Job } from "./queue.ts";

export interface DeviceCondition {
  /** 0..1 */
  battery: number;
  temperatureC: number;
  /** The device is busy with something that must not be delayed (e.g. a robot mid-move). */
  busy: boolean;
  degradedSensors: readonly string[];
  failedUnits: readonly string[];
}

export interface ResourceState {
  fuelLeft: number;
  memoryFreeBytes: number;
  queueLength: number;
}

export interface TaskNeeds {
  unit: string;
  fuel: number;
  memoryBytes: number;
  /** The sensor whose data the task reads, if it reads one. */
  sensor?: string;
  critical: boolean;
}

export interface RegulationPolicy {
  /** Below this battery level only critical tasks are admitted, and best-effort ones are shed. */
  lowBattery: number;
  /** Below this level nothing new runs locally: the device offloads or refuses. */
  criticalBattery: number;
  maxTemperatureC: number;
  maxQueue: number;
}

export const DEFAULT_POLICY: RegulationPolicy = { lowBattery: 0.2, criticalBattery: 0.05, maxTemperatureC: 85, maxQueue: 16 };

export type Verdict = { admit: true } | { admit: false; reason: string };

/** Whether the device may run a task that needs `needs` now. */
export function regulate(state: DeviceCondition, res: ResourceState, needs: TaskNeeds, policy: RegulationPolicy = DEFAULT_POLICY): Verdict {
  if (state.failedUnits.includes(needs.unit)) return { admit: false, reason: `unit ${needs.unit} has failed` };
  if (needs.sensor && state.degradedSensors.includes(needs.sensor)) return { admit: false, reason: `sensor ${needs.sensor} is degraded` };
  if (state.battery < policy.criticalBattery) return { admit: false, reason: `battery ${(state.battery * 100).toFixed(0)}% is below ${policy.criticalBattery * 100}%` };
  if (state.battery < policy.lowBattery && !needs.critical) return { admit: false, reason: `battery ${(state.battery * 100).toFixed(0)}% is low: best-effort tasks wait` };
  if (state.temperatureC > policy.maxTemperatureC) return { admit: false, reason: `temperature ${state.temperatureC} °C is above ${policy.maxTemperatureC} °C` };
  if (state.busy && !needs.critical) return { admit: false, reason: "device is busy" };
  if (res.fuelLeft < needs.fuel) return { admit: false, reason: `needs ${needs.fuel} fuel, ${res.fuelLeft} left` };
  if (res.memoryFreeBytes < needs.memoryBytes) return { admit: false, reason: `needs ${needs.memoryBytes} B of memory, ${res.memoryFreeBytes} B free` };
  if (res.queueLength >= policy.maxQueue) return { admit: false, reason: `queue of ${needs.unit} is full (${res.queueLength})` };
  return { admit: true };
}

export type StateChange =
  | { kind: "unit-failed"; unit: string }
  | { kind: "battery"; level: number }
  | { kind: "temperature"; celsius: number }
  | { kind: "sensor-degraded"; sensor: string };

export interface Disposition {
  job: Job;
  action: "migrate" | "shed";
  why: string;
}

/**
 * What happens to the jobs waiting on a unit of a device whose state just changed: a failed unit's
 * jobs migrate (to another unit or a peer) when they are critical and shed otherwise; on low battery
 * best-effort jobs are shed and critical ones migrate off the device; overheating migrates all.
 */
export function onStateChange(change: StateChange, unit: string, waiting: readonly Job[], policy: RegulationPolicy = DEFAULT_POLICY): Disposition[] {
  switch (change.kind) {
    case "unit-failed":
      if (change.unit !== unit) return [];
      return waiting.map((job) => ({ job, action: job.critical ? "migrate" : "shed", why: `unit ${unit} failed` }));
    case "battery":
      if (change.level >= policy.lowBattery) return [];
      return waiting.map((job) => ({ job, action: job.critical ? "migrate" : "shed", why: `battery ${(change.level * 100).toFixed(0)}%` }));
    case "temperature":
      if (change.celsius <= policy.maxTemperatureC) return [];
      return waiting.map((job) => ({ job, action: "migrate", why: `temperature ${change.celsius} °C` }));
    case "sensor-degraded":
      return [];
  }
}
