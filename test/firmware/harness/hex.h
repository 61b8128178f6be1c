/* Hex in the harnesses' arguments and output (the TypeScript side writes and reads it). */
#ifndef HARNESS_HEX_H
#define HARNESS_HEX_H
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* bytes of hex text h into out; NULL or "-" is empty; stops at the first non-hex pair */
static inline size_t unhex(const char *h, uint8_t *out, size_t cap) {
  size_t n = 0;
  if (!h || strcmp(h, "-") == 0) return 0;
  for (; h[0] && h[1] && n < cap; h += 2) {
    unsigned v;
    if (sscanf(h, "%2x", &v) != 1) break;
    out[n++] = (uint8_t)v;
  }
  return n;
}

static inline void put_hex(const uint8_t *p, size_t n) {
  for (size_t i = 0; i < n; i++) printf("%02x", p[i]);
}
#endif
