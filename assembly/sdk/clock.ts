import { clock_now, clock_timer_cancel, clock_timer_set } from "./abi";

/** Time and timers. A timer fires the agent's onTimer(id). */
export namespace clock {
  /** Milliseconds since boot (virtual time in the simulator). */
  export function now(): f64 {
    return clock_now();
  }
  /** onTimer(id) every `ms` milliseconds. */
  export function every(ms: i32, id: i32 = 0): bool {
    return clock_timer_set(id, ms, 1) == 0;
  }
  /** onTimer(id) once, after `ms` milliseconds. */
  export function after(ms: i32, id: i32 = 0): bool {
    return clock_timer_set(id, ms, 0) == 0;
  }
  export function cancel(id: i32 = 0): void {
    clock_timer_cancel(id);
  }
}
