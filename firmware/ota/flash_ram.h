/* NOR flash semantics over a memory buffer (flash_ram.c). */
#ifndef COLONY_OTA_FLASH_RAM_H
#define COLONY_OTA_FLASH_RAM_H
#include "ota.h"
typedef struct {
  colony_flash_t flash;
  uint8_t *mem;
  uint32_t size;
} colony_ram_flash_t;
const colony_flash_t *colony_ram_flash(colony_ram_flash_t *f, uint8_t *mem, uint32_t size, uint32_t sector);
#endif
