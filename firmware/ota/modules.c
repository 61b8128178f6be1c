/* The `agents` partition: the factory image of signed bundles that `colony flash` writes
 * (host/firmware/esp32/modules-image.ts's format), and after it one slot area per module.
 * Header, little-endian: "CLNYMOD1", count u32, total u32, CRC-32 of [32, total) u32, zeros
 * to 32; then per module 80 bytes: name (NUL-padded, 32), offset u32, length u32, SHA-256. */
#include <string.h>
#include "crypto.h"
#include "record.h"

#define HEADER 32u
#define ENTRY 80u

static uint32_t le32(const uint8_t *p) { return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24; }

colony_ota_reason_t colony_modules_open(const colony_flash_t *f, uint32_t part, uint32_t *count, uint32_t *end) {
  uint8_t h[HEADER], block[256];
  if (f->read(f->ctx, part, h, HEADER)) return OTA_FLASH_ERROR;
  if (memcmp(h, "CLNYMOD1", 8)) return OTA_MALFORMED;
  uint32_t n = le32(h + 8), total = le32(h + 12);
  if (total > f->size - part || n > (total - HEADER) / ENTRY || total < HEADER) return OTA_MALFORMED;
  *count = n;
  *end = total;
  uint32_t crc = 0;
  for (uint32_t at = HEADER; at < total; at += sizeof block) {
    uint32_t k = total - at < sizeof block ? total - at : (uint32_t)sizeof block;
    if (f->read(f->ctx, part + at, block, k)) return OTA_FLASH_ERROR;
    crc = colony_crc32(crc, block, k);
  }
  return crc != le32(h + 16) ? OTA_CORRUPTED : OTA_OK;
}

colony_ota_reason_t colony_modules_entry(const colony_flash_t *f, uint32_t part, uint32_t i, colony_module_entry_t *e) {
  uint8_t d[ENTRY], block[256], sha[32];
  if (f->read(f->ctx, part + HEADER + i * ENTRY, d, ENTRY)) return OTA_FLASH_ERROR;
  memcpy(e->name, d, 32);
  e->name[31] = 0;
  e->offset = le32(d + 32);
  e->length = le32(d + 36);
  if (e->offset > f->size - part || e->length > f->size - part - e->offset) return OTA_MALFORMED;
  colony_sha256_t h;
  colony_sha256_init(&h);
  for (uint32_t at = 0; at < e->length; at += sizeof block) {
    uint32_t k = e->length - at < sizeof block ? e->length - at : (uint32_t)sizeof block;
    if (f->read(f->ctx, part + e->offset + at, block, k)) return OTA_FLASH_ERROR;
    colony_sha256_update(&h, block, k);
  }
  colony_sha256_final(&h, sha);
  return memcmp(sha, d + 40, 32) ? OTA_CORRUPTED : OTA_OK;
}

colony_ota_reason_t colony_agents_boot(const colony_flash_t *f, uint32_t part, uint32_t part_size, uint32_t slot_size, uint32_t state_size,
                                       const colony_ota_runtime_t *const *rts, const colony_ota_policy_t *p, colony_slots_t *slots, uint32_t *n) {
  uint32_t count, end;
  /* A damaged image still has its directory's size: provisioned slots boot regardless, and
   * each module is checked against its SHA-256 before it is provisioned. */
  colony_ota_reason_t e = colony_modules_open(f, part, &count, &end);
  if (e && e != OTA_CORRUPTED) return e;
  if (count > *n) return OTA_BAD_STATE;
  colony_slot_layout_t l = {part + (end + f->sector - 1) / f->sector * f->sector, slot_size, state_size};
  uint32_t area = colony_slot_area_size(&l, f->sector);
  if (l.offset + count * area > part + part_size) return OTA_BAD_STATE;
  for (uint32_t i = 0; i < count; i++, l.offset += area) {
    colony_module_entry_t m;
    colony_slots_t *s = &slots[i];
    memset(s, 0, sizeof *s);
    e = colony_slots_open(s, f, &l, rts[i], p);
    if (e) return e;
    if (!s->provisioned) {
      e = colony_modules_entry(f, part, i, &m);
      if (e == OTA_FLASH_ERROR) return e;
      if (e) continue;
      colony_src_t src = {f, 0, part + m.offset, m.length};
      e = colony_slots_provision_src(s, &src);
    } else e = colony_slots_boot(s);
    if (e == OTA_FLASH_ERROR) return e;
  }
  *n = count;
  return OTA_OK;
}
