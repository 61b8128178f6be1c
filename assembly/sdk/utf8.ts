// Strings cross the ABI as UTF-8 (pointer, length). The SDK's own encoder is a
// third of the size of String.UTF8.encode, which a heartbeat would otherwise
// carry for its topic and keys, and it writes straight into a CBOR buffer.

/** Walks `s` as UTF-8, writing it at `dst` when `write`; returns the end. Unpaired surrogates become U+FFFD, so the bytes are always valid UTF-8 (String.UTF8.encode would write them as WTF-8). */
function walk(s: string, dst: usize, write: bool): usize {
  const src = changetype<usize>(s);
  const n = s.length;
  let p = dst;
  for (let i = 0; i < n; i++) {
    let c = <u32>load<u16>(src + (<usize>i << 1));
    if ((c & 0xfc00) == 0xd800 && i + 1 < n) {
      const d = <u32>load<u16>(src + (<usize>(i + 1) << 1));
      if ((d & 0xfc00) == 0xdc00) {
        c = 0x10000 + ((c & 0x3ff) << 10) + (d & 0x3ff);
        i++;
      }
    }
    if ((c & 0xfffff800) == 0xd800) c = 0xfffd;
    const len = c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4;
    if (write) {
      // continuation bytes 10xxxxxx from the last one back, then the lead byte
      // (the code point itself, 110xxxxx, 1110xxxx or 11110xxx)
      for (let k = len - 1; k > 0; k--) {
        store<u8>(p + <usize>k, <u8>(0x80 | (c & 0x3f)));
        c >>= 6;
      }
      store<u8>(p, <u8>(len == 1 ? c : (0xf00 >> len) | c));
    }
    p += <usize>len;
  }
  return p;
}

/** Bytes `s` takes in UTF-8. */
export function utf8Length(s: string): i32 {
  return <i32>walk(s, 0, false);
}

/** Writes `s` as UTF-8 at `dst` (utf8Length(s) bytes). */
export function utf8Write(s: string, dst: usize): void {
  walk(s, dst, true);
}

/** UTF-8 bytes of `s` (a fresh buffer). */
export function utf8(s: string): ArrayBuffer {
  const b = new ArrayBuffer(utf8Length(s));
  utf8Write(s, changetype<usize>(b));
  return b;
}

export function ptrOf(buf: ArrayBuffer): usize {
  return changetype<usize>(buf);
}
