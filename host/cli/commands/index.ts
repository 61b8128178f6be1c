// Every `colony` subcommand, one file each; a command file exports `register(program)`.
import type { Command } from "commander";
import { register as boardsCommand } from "./boards.ts";
import { register as buildCommand } from "./build.ts";
import { register as inspectCommand } from "./inspect.ts";
import { register as modelCommand } from "./model.ts";
import { register as runCommand } from "./run.ts";
import { register as simCommand } from "./sim.ts";

export type RegisterCommand = (program: Command) => void;

export const COMMANDS: RegisterCommand[] = [buildCommand, runCommand, simCommand, inspectCommand, boardsCommand, modelCommand];
