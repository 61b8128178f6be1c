/* CBOR (RFC 8949) well-formedness: the length of one item, so a malformed
 * actuator command or message body is refused as the host refuses it. */
#include "colony.h"

static int32_t item(const uint8_t *p, uint32_t n, uint32_t *at, int depth) {
  if (depth > 32 || *at >= n) return -1;
  uint8_t ib = p[(*at)++];
  uint8_t major = ib >> 5, info = ib & 31;
  uint64_t v = info;
  if (info == 31) {
    /* indefinite length: arrays and maps until a break (0xff); indefinite
     * strings are refused, as the host's decoder (cbor-x) refuses them */
    if (major != 4 && major != 5) return -1;
    for (;;) {
      if (*at >= n) return -1;
      if (p[*at] == 0xff) { (*at)++; return 0; }
      if (item(p, n, at, depth + 1) < 0) return -1;
      if (major == 5 && item(p, n, at, depth + 1) < 0) return -1;
    }
  }
  if (info >= 28) return -1;
  if (info >= 24) {
    uint32_t len = 1u << (info - 24);
    if (n - *at < len) return -1;
    v = 0;
    for (uint32_t i = 0; i < len; i++) v = (v << 8) | p[(*at)++];
  }
  switch (major) {
    case 0: case 1: return 0;
    case 2: case 3: if (v > n - *at) return -1; *at += (uint32_t)v; return 0;
    case 4: for (uint64_t i = 0; i < v; i++) if (item(p, n, at, depth + 1) < 0) return -1; return 0;
    case 5: for (uint64_t i = 0; i < 2 * v; i++) if (item(p, n, at, depth + 1) < 0) return -1; return 0;
    case 6: return item(p, n, at, depth + 1);
    default: return 0; /* simple values and floats: the argument was the value */
  }
}

int32_t colony_cbor_item_len(const uint8_t *p, uint32_t n) {
  uint32_t at = 0;
  if (item(p, n, &at, 0) < 0) return -1;
  return (int32_t)at;
}
