// A peer's CPU lent to someone else's inference. The CPU is where the peer's own work runs, and
// inferences are not preempted: a borrowed job delays the peer's next own request by up to its
// whole run. So a peer lends its CPU only while the work queued there plus the borrowed run stays
// within its own jobs' slack (their deadline minus their run on that CPU): its own next request,
// arriving at any moment, still meets its deadline. A peer with no deadline work of its own on the
// CPU has no slack to protect.
import type { Verdict } from "./regulation.ts";

/** Slack of a device's own inferences on its CPU, µs: deadline minus run time, never negative. */
export function ownSlackUs(deadlineUs: number, ownExecUs: number): number {
  if (!(deadlineUs > 0) || !(ownExecUs >= 0)) throw new RangeError(`ownSlackUs: deadline ${deadlineUs} µs and run ${ownExecUs} µs must be positive`);
  return Math.max(0, deadlineUs - ownExecUs);
}

/** Whether a peer whose CPU has `backlogUs` of work ahead lends it for a run of `execUs`, given its own slack. */
export function lendCpu(backlogUs: number, execUs: number, slackUs: number): Verdict {
  if (backlogUs + execUs <= slackUs) return { admit: true };
  return { admit: false, reason: `lends its CPU only within its own slack (${ms(backlogUs)} queued + ${ms(execUs)} run > ${ms(slackUs)})` };
}

const ms = (us: number): string => `${(us / 1000).toFixed(1)} ms`;
