// Host functions per capability group. The linker takes only the groups a
// manifest grants.
import type { HostImports } from "../../engines/index.ts";
import type { CapabilityGroup } from "../abi.ts";
import type { AgentContext } from "../context.ts";
import { actuatorSyscalls } from "./actuator.ts";
import { busSyscalls } from "./bus.ts";
import { clockSyscalls } from "./clock.ts";
import { logSyscalls } from "./log.ts";
import { modelSyscalls } from "./model.ts";
import { randomSyscalls } from "./random.ts";
import { sensorSyscalls } from "./sensor.ts";
import { stateSyscalls } from "./state.ts";
import { walletSyscalls } from "./wallet.ts";

export const SYSCALLS: Record<CapabilityGroup, (ctx: AgentContext) => HostImports> = {
  clock: clockSyscalls,
  log: logSyscalls,
  sensor: sensorSyscalls,
  actuator: actuatorSyscalls,
  model: modelSyscalls,
  bus: busSyscalls,
  state: stateSyscalls,
  random: randomSyscalls,
  wallet: walletSyscalls,
};
