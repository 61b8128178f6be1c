/* SLIP framing (RFC 1055) of MQTT-SN packets on the link UART: a frame starts
 * and ends with END; END and ESC inside are escaped. A frame that overflows
 * the buffer is dropped whole. */
#include "link.h"
#include "port.h"

#define END 0xC0
#define ESC 0xDB
#define ESC_END 0xDC
#define ESC_ESC 0xDD

void colony_slip_send(const uint8_t *p, uint32_t n) {
  uint8_t out[2 * 300 + 2];
  uint32_t o = 0;
  out[o++] = END;
  for (uint32_t i = 0; i < n; i++) {
    if (o + 3 > sizeof out) { port_link_write(out, o); o = 0; }
    if (p[i] == END) { out[o++] = ESC; out[o++] = ESC_END; }
    else if (p[i] == ESC) { out[o++] = ESC; out[o++] = ESC_ESC; }
    else out[o++] = p[i];
  }
  out[o++] = END;
  port_link_write(out, o);
}

static uint32_t len;
static uint8_t escaped, overflow;

uint32_t colony_slip_feed(uint8_t b, uint8_t *buf, uint32_t cap) {
  if (b == END) {
    uint32_t n = overflow ? 0 : len;
    len = 0;
    escaped = overflow = 0;
    return n;
  }
  if (b == ESC) { escaped = 1; return 0; }
  if (escaped) { b = b == ESC_END ? END : b == ESC_ESC ? ESC : b; escaped = 0; }
  if (len < cap) buf[len++] = b;
  else overflow = 1;
  return 0;
}
