/* A colony_flash_t over memory with NOR's rules (erase sets a sector to 0xFF, a write
 * ANDs): the `agents` partition where it is RAM, as on QEMU's boards, where the
 * partition image is put in memory at boot the way `colony flash` writes it. */
#include <string.h>
#include "flash_ram.h"

static int rd(void *c, uint32_t off, uint8_t *buf, uint32_t n) {
  colony_ram_flash_t *f = c;
  if (off > f->size || n > f->size - off) return -1;
  memcpy(buf, f->mem + off, n);
  return 0;
}

static int wr(void *c, uint32_t off, const uint8_t *buf, uint32_t n) {
  colony_ram_flash_t *f = c;
  if (off > f->size || n > f->size - off) return -1;
  for (uint32_t i = 0; i < n; i++) f->mem[off + i] &= buf[i];
  return 0;
}

static int er(void *c, uint32_t off) {
  colony_ram_flash_t *f = c;
  if (off % f->flash.sector || off >= f->size) return -1;
  memset(f->mem + off, 0xff, f->flash.sector);
  return 0;
}

static const uint8_t *map(void *c, uint32_t off) { return ((colony_ram_flash_t *)c)->mem + off; }

const colony_flash_t *colony_ram_flash(colony_ram_flash_t *f, uint8_t *mem, uint32_t size, uint32_t sector) {
  f->mem = mem;
  f->size = size;
  f->flash.ctx = f;
  f->flash.size = size;
  f->flash.sector = sector;
  f->flash.read = rd;
  f->flash.write = wr;
  f->flash.erase = er;
  f->flash.map = map;
  return &f->flash;
}
