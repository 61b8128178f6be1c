/* CBOR (RFC 8949): well-formedness (the length of one item, so a malformed
 * actuator command or message body is refused as the host refuses it) and
 * the writer envelope.c and coord.c build their maps with. */
#include <string.h>
#include "colony.h"

void colony_cbor_put(colony_cbor_wr_t *w, const void *src, uint32_t n) {
  if (w->over || n > w->cap - w->n) { w->over = 1; return; }
  memcpy(w->p + w->n, src, n);
  w->n += n;
}
/* RFC 8949 3.1: the head in its shortest form */
void colony_cbor_head(colony_cbor_wr_t *w, uint8_t major, uint64_t v) {
  uint8_t b[9];
  uint32_t len = v < 24 ? 0 : v <= 0xff ? 1 : v <= 0xffff ? 2 : v <= 0xffffffffu ? 4 : 8;
  b[0] = (uint8_t)(major << 5 | (len == 0 ? v : len == 1 ? 24 : len == 2 ? 25 : len == 4 ? 26 : 27));
  for (uint32_t i = 0; i < len; i++) b[1 + i] = (uint8_t)(v >> (8 * (len - 1 - i)));
  colony_cbor_put(w, b, 1 + len);
}
void colony_cbor_text(colony_cbor_wr_t *w, const char *s, uint32_t n) { colony_cbor_head(w, 3, n); colony_cbor_put(w, s, n); }
void colony_cbor_bytes(colony_cbor_wr_t *w, const uint8_t *s, uint32_t n) { colony_cbor_head(w, 2, n); colony_cbor_put(w, s, n); }

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

int colony_cbor_read_head(colony_cbor_rd_t *r, uint8_t *major, uint64_t *v) {
  if (r->at >= r->n) return 0;
  uint8_t ib = r->p[r->at++], info = ib & 31;
  *major = ib >> 5;
  if (info < 24) { *v = info; return 1; }
  if (info > 27) return 0;
  uint32_t len = 1u << (info - 24);
  if (r->n - r->at < len) return 0;
  *v = 0;
  for (uint32_t i = 0; i < len; i++) *v = *v << 8 | r->p[r->at++];
  return 1;
}
