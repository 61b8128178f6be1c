// SLIP (RFC 1055): how MQTT-SN packets travel on the firmware's link UART,
// one packet per frame (firmware/runtime/slip.c is the device side).
export const SLIP = { END: 0xc0, ESC: 0xdb, ESC_END: 0xdc, ESC_ESC: 0xdd } as const;

export function slipEncode(packet: Uint8Array): Uint8Array {
  const out: number[] = [SLIP.END];
  for (const b of packet) {
    if (b === SLIP.END) out.push(SLIP.ESC, SLIP.ESC_END);
    else if (b === SLIP.ESC) out.push(SLIP.ESC, SLIP.ESC_ESC);
    else out.push(b);
  }
  out.push(SLIP.END);
  return Uint8Array.from(out);
}

/** Reassembles frames from a byte stream; empty frames (back-to-back ENDs) are skipped. */
export class SlipDecoder {
  private buf: number[] = [];
  private escaped = false;
  constructor(private readonly maxFrame = 2048) {}

  push(chunk: Uint8Array): Uint8Array[] {
    const frames: Uint8Array[] = [];
    for (let b of chunk) {
      if (b === SLIP.END) {
        if (this.buf.length > 0 && this.buf.length <= this.maxFrame) frames.push(Uint8Array.from(this.buf));
        this.buf = [];
        this.escaped = false;
        continue;
      }
      if (b === SLIP.ESC) {
        this.escaped = true;
        continue;
      }
      if (this.escaped) {
        b = b === SLIP.ESC_END ? SLIP.END : b === SLIP.ESC_ESC ? SLIP.ESC : b;
        this.escaped = false;
      }
      this.buf.push(b);
    }
    return frames;
  }
}
