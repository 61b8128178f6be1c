// Every `colony` subcommand, one file each; a command file exports `register(program)`.
import type { Command } from "commander";
import { register as auditCommand } from "./audit.ts";
import { register as boardsCommand } from "./boards.ts";
import { register as buildCommand } from "./build.ts";
import { register as clusterCommand } from "./cluster.ts";
import { register as dashboardCommand } from "./dashboard.ts";
import { register as bundleCommand } from "./bundle.ts";
import { register as firmwareCommand } from "./firmware.ts";
import { register as flashCommand } from "./flash.ts";
import { register as gatewayCommand } from "./gateway.ts";
import { register as inspectCommand } from "./inspect.ts";
import { register as keysCommand } from "./keys.ts";
import { register as learnCommand } from "./learn.ts";
import { register as ledgerCommand } from "./ledger.ts";
import { register as modelCommand } from "./model.ts";
import { register as otaCommand } from "./ota.ts";
import { register as runCommand } from "./run.ts";
import { register as simCommand } from "./sim.ts";

export type RegisterCommand = (program: Command) => void;

export const COMMANDS: RegisterCommand[] = [
  buildCommand,
  runCommand,
  simCommand,
  clusterCommand,
  inspectCommand,
  boardsCommand,
  modelCommand,
  gatewayCommand,
  firmwareCommand,
  keysCommand,
  bundleCommand,
  otaCommand,
  flashCommand,
  learnCommand,
  auditCommand,
  ledgerCommand,
  dashboardCommand,
];
