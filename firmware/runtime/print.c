/* A small formatter for the console: %s %.*s %d %u %x %c and %L (uint64 decimal).
 * printf from newlib costs several KB of flash; this is what the runtime needs. */
#include <stdarg.h>
#include "colony.h"
#include "port.h"

static char line[256];
static uint32_t used;

static void flush(void) {
  if (used) port_console_write(line, used);
  used = 0;
}
static void put(char c) {
  if (used == sizeof line) flush();
  line[used++] = c;
  if (c == '\n') flush();
}
static void puts_n(const char *s, uint32_t n) {
  for (uint32_t i = 0; i < n && s[i]; i++) put(s[i]);
}
static void put_u64(uint64_t v, unsigned base) {
  char buf[24];
  int i = 0;
  do {
    unsigned d = (unsigned)(v % base);
    buf[i++] = (char)(d < 10 ? '0' + d : 'a' + d - 10);
    v /= base;
  } while (v);
  while (i) put(buf[--i]);
}

void colony_printf(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  for (const char *f = fmt; *f; f++) {
    if (*f != '%') { put(*f); continue; }
    f++;
    switch (*f) {
      case 's': { const char *s = va_arg(ap, const char *); puts_n(s ? s : "(null)", 0xffffffffu); break; }
      case '.': /* %.*s */ { int n = va_arg(ap, int); const char *s = va_arg(ap, const char *); f += 2; puts_n(s, (uint32_t)n); break; }
      case 'd': { int v = va_arg(ap, int); if (v < 0) { put('-'); put_u64((uint64_t)(-(int64_t)v), 10); } else put_u64((uint64_t)v, 10); break; }
      case 'u': put_u64(va_arg(ap, unsigned), 10); break;
      case 'x': put_u64(va_arg(ap, unsigned), 16); break;
      case 'c': put((char)va_arg(ap, int)); break;
      case 'L': put_u64(va_arg(ap, uint64_t), 10); break;
      case '%': put('%'); break;
      default: put('%'); put(*f); break;
    }
  }
  va_end(ap);
}

void colony_hex(const uint8_t *p, uint32_t n) {
  static const char digits[] = "0123456789abcdef";
  for (uint32_t i = 0; i < n; i++) { put(digits[p[i] >> 4]); put(digits[p[i] & 15]); }
}
