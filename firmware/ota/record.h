/* A record kept in two copies, each with a sequence number and a CRC-32: a write erases and
 * rewrites the copy not holding the newest record, so a cut at any byte leaves the newest
 * valid one. host/ota/dual-record.ts's format byte for byte; one copy = `cap` bytes (whole
 * sectors here, since NOR erases sectors). Internal to firmware/ota. */
#ifndef COLONY_OTA_RECORD_H
#define COLONY_OTA_RECORD_H
#include "ota.h"

typedef struct {
  const colony_flash_t *f;
  uint32_t off, cap;
} dual_rec_t;

uint32_t colony_crc32(uint32_t crc, const uint8_t *p, uint32_t n); /* start and end with 0 */
/* The newest valid body into buf: 0 found, 1 none valid (or longer than cap), -1 flash error. */
int rec_read(const dual_rec_t *r, uint8_t *buf, uint32_t cap, uint32_t *len);
/* Writes body = a || b as the new newest record: 0, -1 flash error, -2 too long. */
int rec_write(const dual_rec_t *r, const uint8_t *a, uint32_t na, const uint8_t *b, uint32_t nb);
#endif
