import { utf8 } from "./utf8";
import { log_write } from "./abi";

function write(level: i32, msg: string): void {
  const b = utf8(msg);
  log_write(level, changetype<usize>(b), b.byteLength);
}

/** Log lines, shown in the device's timeline. */
export namespace log {
  export function debug(msg: string): void {
    write(0, msg);
  }
  export function info(msg: string): void {
    write(1, msg);
  }
  export function warn(msg: string): void {
    write(2, msg);
  }
  export function error(msg: string): void {
    write(3, msg);
  }
}
