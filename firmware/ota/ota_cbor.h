/* The little CBOR (RFC 8949) that bundles and slot records need: a reader over a
 * colony_src_t (flash or RAM) that never holds more than an item's head, and a writer
 * for the small records. Internal to firmware/ota. */
#ifndef COLONY_OTA_CBOR_H
#define COLONY_OTA_CBOR_H
#include "ota.h"

typedef struct {
  const colony_src_t *src;
  uint32_t at;
  colony_ota_reason_t err; /* first error: OTA_TRUNCATED past the end, else OTA_MALFORMED */
} cbor_rd_t;

/* Reads one head (major type, argument); indefinite lengths are refused. 0 or -1. */
int cbor_head(cbor_rd_t *r, uint8_t *major, uint64_t *arg);
/* Skips one whole item (indefinite arrays and maps too). 0 or -1. */
int cbor_skip(cbor_rd_t *r);
/* Reads a text string head and its bytes into out (NUL-terminated); -1 when not text or
 * longer than cap (r->err set only for a CBOR error, so a caller can tell the two apart). */
int cbor_text(cbor_rd_t *r, char *out, uint32_t cap);

typedef struct {
  uint8_t *buf;
  uint32_t cap, len;
  int overflow;
} cbor_wr_t;
void cbor_put_head(cbor_wr_t *w, uint8_t major, uint64_t arg);
void cbor_put_text(cbor_wr_t *w, const char *s);
void cbor_put_bytes(cbor_wr_t *w, const uint8_t *p, uint32_t n);
void cbor_put_uint(cbor_wr_t *w, uint64_t v);
void cbor_put_bool(cbor_wr_t *w, int v);
#endif
