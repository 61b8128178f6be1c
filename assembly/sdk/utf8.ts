// Strings cross the ABI as UTF-8 (pointer, length).

/** UTF-8 bytes of `s` (a fresh buffer). */
export function utf8(s: string): ArrayBuffer {
  return String.UTF8.encode(s);
}

export function ptrOf(buf: ArrayBuffer): usize {
  return changetype<usize>(buf);
}
