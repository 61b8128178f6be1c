/* Dual-copy records (record.h). Copy layout, little-endian: magic "CRD1" (0x43524431),
 * seq u32, length u32, body, CRC-32 (IEEE) of seq..body. */
#include "record.h"

#define MAGIC 0x43524431u
#define HEADER 12u

uint32_t colony_crc32(uint32_t crc, const uint8_t *p, uint32_t n) {
  crc = ~crc;
  for (uint32_t i = 0; i < n; i++) {
    crc ^= p[i];
    for (int k = 0; k < 8; k++) crc = crc & 1 ? 0xedb88320u ^ (crc >> 1) : crc >> 1;
  }
  return ~crc;
}

static uint32_t le32(const uint8_t *p) { return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24; }
static void put32(uint8_t *p, uint32_t v) {
  for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i));
}

/* 1 valid (seq, len set), 0 not, -1 flash error; the CRC is checked a block at a time. */
static int copy_valid(const dual_rec_t *r, int i, uint32_t *seq, uint32_t *len) {
  uint8_t h[HEADER], block[64];
  uint32_t at = r->off + (uint32_t)i * r->cap;
  if (r->f->read(r->f->ctx, at, h, HEADER)) return -1;
  if (le32(h) != MAGIC) return 0;
  uint32_t n = le32(h + 8);
  if (n > r->cap - HEADER - 4) return 0;
  uint32_t crc = colony_crc32(0, h + 4, 8);
  for (uint32_t done = 0; done < n; done += sizeof block) {
    uint32_t k = n - done < sizeof block ? n - done : (uint32_t)sizeof block;
    if (r->f->read(r->f->ctx, at + HEADER + done, block, k)) return -1;
    crc = colony_crc32(crc, block, k);
  }
  if (r->f->read(r->f->ctx, at + HEADER + n, block, 4)) return -1;
  if (le32(block) != crc) return 0;
  *seq = le32(h + 4);
  *len = n;
  return 1;
}

/* Which copy holds the newest record: 0, 1, or -1 for none; -2 flash error. */
static int newest(const dual_rec_t *r, uint32_t *seq, uint32_t *len) {
  uint32_t sa = 0, la = 0, sb = 0, lb = 0;
  int a = copy_valid(r, 0, &sa, &la), b = copy_valid(r, 1, &sb, &lb);
  if (a < 0 || b < 0) return -2;
  if (a && b) {
    int i = sa > sb ? 0 : 1;
    *seq = i ? sb : sa;
    *len = i ? lb : la;
    return i;
  }
  if (a) { *seq = sa; *len = la; return 0; }
  if (b) { *seq = sb; *len = lb; return 1; }
  *seq = 0;
  return -1;
}

int rec_read(const dual_rec_t *r, uint8_t *buf, uint32_t cap, uint32_t *len) {
  uint32_t seq, n;
  int i = newest(r, &seq, &n);
  if (i == -2) return -1;
  if (i < 0 || n > cap) return 1;
  if (r->f->read(r->f->ctx, r->off + (uint32_t)i * r->cap + HEADER, buf, n)) return -1;
  *len = n;
  return 0;
}

int rec_write(const dual_rec_t *r, const uint8_t *a, uint32_t na, const uint8_t *b, uint32_t nb) {
  uint32_t seq = 0, n = 0;
  if (na + nb > r->cap - HEADER - 4) return -2;
  int i = newest(r, &seq, &n);
  if (i == -2) return -1;
  int target = i < 0 ? 0 : 1 - i;
  uint32_t at = r->off + (uint32_t)target * r->cap;
  for (uint32_t s = 0; s < r->cap; s += r->f->sector)
    if (r->f->erase(r->f->ctx, at + s)) return -1;
  uint8_t h[HEADER], c[4];
  put32(h, MAGIC);
  put32(h + 4, seq + 1);
  put32(h + 8, na + nb);
  uint32_t crc = colony_crc32(0, h + 4, 8);
  crc = colony_crc32(crc, a, na);
  crc = colony_crc32(crc, b, nb);
  put32(c, crc);
  if (r->f->write(r->f->ctx, at, h, HEADER)) return -1;
  if (na && r->f->write(r->f->ctx, at + HEADER, a, na)) return -1;
  if (nb && r->f->write(r->f->ctx, at + HEADER + na, b, nb)) return -1;
  return r->f->write(r->f->ctx, at + HEADER + na + nb, c, 4) ? -1 : 0;
}
