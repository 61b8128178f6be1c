import { utf8 } from "./utf8";
import { actuator_open, actuator_write } from "./abi";
import { Body } from "./body";

/** An actuator opened by alias ("leg0"); the manifest must grant actuator:<alias>. */
export class Actuator {
  constructor(public readonly name: string, public readonly handle: i32) {}
  get ok(): bool {
    return this.handle >= 0;
  }
  /** Sends a command (a CBOR map); false if the device refused it. */
  command(cmd: Body): bool {
    const b = cmd.encode();
    return actuator_write(this.handle, b.dataStart, b.length) >= 0;
  }
}

export namespace actuator {
  export function open(name: string): Actuator {
    const b = utf8(name);
    return new Actuator(name, actuator_open(changetype<usize>(b), b.byteLength));
  }
}
