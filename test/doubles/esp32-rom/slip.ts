// SLIP framing (RFC 1055) as the ESP serial loader uses it: C0 ends a frame, C0 -> DB DC,
// DB -> DB DD. Bytes between frames (boot log noise) are dropped.
export function slipEncode(frame: Uint8Array): Uint8Array {
  const out: number[] = [0xc0];
  for (const b of frame) {
    if (b === 0xc0) out.push(0xdb, 0xdc);
    else if (b === 0xdb) out.push(0xdb, 0xdd);
    else out.push(b);
  }
  out.push(0xc0);
  return Uint8Array.from(out);
}

export class SlipDecoder {
  private frame: number[] | null = null;
  private escaping = false;

  /** Feeds bytes; returns the frames completed by them. */
  push(bytes: Uint8Array): Uint8Array[] {
    const done: Uint8Array[] = [];
    for (const b of bytes) {
      if (this.frame === null) {
        if (b === 0xc0) this.frame = [];
        continue;
      }
      if (this.escaping) {
        this.escaping = false;
        this.frame.push(b === 0xdc ? 0xc0 : b === 0xdd ? 0xdb : b);
      } else if (b === 0xdb) this.escaping = true;
      else if (b === 0xc0) {
        // C0 C0: the end of one frame and the start of the next; empty frames are skipped.
        if (this.frame.length > 0) {
          done.push(Uint8Array.from(this.frame));
          this.frame = null;
        }
      } else this.frame.push(b);
    }
    return done;
  }
}
