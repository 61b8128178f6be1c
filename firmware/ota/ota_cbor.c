/* A streaming CBOR reader and a tiny writer (see ota_cbor.h). The writer's output is what
 * host/net/cbor.ts (cbor-x) writes for the same values: shortest heads, definite lengths. */
#include <string.h>
#include "ota_cbor.h"

int colony_src_read(const colony_src_t *s, uint32_t at, uint8_t *buf, uint32_t n) {
  if (at > s->size || n > s->size - at) return -1;
  if (!s->flash) {
    memcpy(buf, s->mem + at, n);
    return 0;
  }
  return s->flash->read(s->flash->ctx, s->off + at, buf, n) ? -2 : 0;
}

static int get(cbor_rd_t *r, uint8_t *buf, uint32_t n) {
  int e = colony_src_read(r->src, r->at, buf, n);
  if (e == -1) {
    if (!r->err) r->err = OTA_TRUNCATED;
    return -1;
  }
  if (e) {
    if (!r->err) r->err = OTA_FLASH_ERROR;
    return -1;
  }
  r->at += n;
  return 0;
}

static int fail(cbor_rd_t *r) {
  if (!r->err) r->err = OTA_MALFORMED;
  return -1;
}

static int head(cbor_rd_t *r, uint8_t *major, uint64_t *arg, int *indefinite) {
  uint8_t ib, b[8];
  if (get(r, &ib, 1)) return -1;
  *major = ib >> 5;
  uint8_t info = ib & 31;
  *indefinite = 0;
  if (info < 24) {
    *arg = info;
    return 0;
  }
  if (info == 31) {
    if (*major == 0 || *major == 1 || *major == 6) return fail(r);
    *indefinite = 1;
    *arg = 0;
    return 0;
  }
  if (info > 27) return fail(r);
  uint32_t n = 1u << (info - 24);
  if (get(r, b, n)) return -1;
  uint64_t v = 0;
  for (uint32_t i = 0; i < n; i++) v = (v << 8) | b[i];
  *arg = v;
  return 0;
}

int cbor_head(cbor_rd_t *r, uint8_t *major, uint64_t *arg) {
  int indef;
  if (head(r, major, arg, &indef)) return -1;
  return indef ? fail(r) : 0;
}

static int skip(cbor_rd_t *r, int depth) {
  uint8_t major;
  uint64_t arg;
  int indef;
  if (depth > 16) return fail(r);
  if (head(r, &major, &arg, &indef)) return -1;
  switch (major) {
    case 0: case 1: return 0;
    case 2: case 3:
      if (indef) return fail(r); /* cbor-x refuses indefinite strings too */
      if (arg > r->src->size - r->at) {
        if (!r->err) r->err = OTA_TRUNCATED;
        return -1;
      }
      r->at += (uint32_t)arg;
      return 0;
    case 4: case 5:
      if (indef) {
        for (;;) {
          uint8_t b;
          if (get(r, &b, 1)) return -1;
          if (b == 0xff) return 0;
          r->at--;
          if (skip(r, depth + 1) || (major == 5 && skip(r, depth + 1))) return -1;
        }
      }
      for (uint64_t i = 0; i < (major == 5 ? 2 * arg : arg); i++)
        if (skip(r, depth + 1)) return -1;
      return 0;
    case 6: return skip(r, depth + 1);
    default: return indef ? fail(r) : 0; /* simple values and floats: the head was all */
  }
}

int cbor_skip(cbor_rd_t *r) { return skip(r, 0); }

int cbor_text(cbor_rd_t *r, char *out, uint32_t cap) {
  uint8_t major;
  uint64_t n;
  if (cbor_head(r, &major, &n)) return -1;
  if (major != 3 || n > cap) {
    if (major == 3 && n <= r->src->size - r->at) r->at += (uint32_t)n;
    return -1;
  }
  if (get(r, (uint8_t *)out, (uint32_t)n)) return -1;
  out[n] = 0;
  return 0;
}

static void put(cbor_wr_t *w, const void *p, uint32_t n) {
  if (w->len + n > w->cap) {
    w->overflow = 1;
    return;
  }
  memcpy(w->buf + w->len, p, n);
  w->len += n;
}

void cbor_put_head(cbor_wr_t *w, uint8_t major, uint64_t arg) {
  uint8_t b[9];
  uint32_t n;
  b[0] = (uint8_t)(major << 5);
  if (arg < 24) { b[0] |= (uint8_t)arg; n = 1; }
  else if (arg <= 0xff) { b[0] |= 24; b[1] = (uint8_t)arg; n = 2; }
  else if (arg <= 0xffff) { b[0] |= 25; b[1] = (uint8_t)(arg >> 8); b[2] = (uint8_t)arg; n = 3; }
  else if (arg <= 0xffffffffu) { b[0] |= 26; for (int i = 0; i < 4; i++) b[1 + i] = (uint8_t)(arg >> (24 - 8 * i)); n = 5; }
  else { b[0] |= 27; for (int i = 0; i < 8; i++) b[1 + i] = (uint8_t)(arg >> (56 - 8 * i)); n = 9; }
  put(w, b, n);
}

void cbor_put_text(cbor_wr_t *w, const char *s) {
  uint32_t n = (uint32_t)strlen(s);
  cbor_put_head(w, 3, n);
  put(w, s, n);
}

void cbor_put_bytes(cbor_wr_t *w, const uint8_t *p, uint32_t n) {
  cbor_put_head(w, 2, n);
  put(w, p, n);
}

void cbor_put_uint(cbor_wr_t *w, uint64_t v) { cbor_put_head(w, 0, v); }

void cbor_put_bool(cbor_wr_t *w, int v) {
  uint8_t b = v ? 0xf5 : 0xf4;
  put(w, &b, 1);
}
