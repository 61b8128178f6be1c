// Simulated actuators: they accept commands and remember them, so a scenario
// can assert what the agents did to the world.

export interface ActuatorCommand {
  atMs: number;
  agent: string;
  command: unknown;
}

export interface ActuatorSink {
  readonly alias: string;
  write(cmd: ActuatorCommand): boolean;
}

export class RecordingActuator implements ActuatorSink {
  readonly commands: ActuatorCommand[] = [];
  constructor(readonly alias: string) {}
  write(cmd: ActuatorCommand): boolean {
    this.commands.push(cmd);
    return true;
  }
}
