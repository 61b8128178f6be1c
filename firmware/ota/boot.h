/* The firmware's side of the `agents` partition (boot.c): what the build generates
 * (host/firmware/compile/agents-partition.ts) and what the engines ask at boot. */
#ifndef COLONY_OTA_BOOT_H
#define COLONY_OTA_BOOT_H
#include <stdint.h>
#include "ota.h"

/* The board's `agents` partition: QEMU builds generate it as RAM holding the image
 * `colony flash` writes (agents-partition.ts); ESP-IDF maps the flash partition
 * (boards/esp32/main/agents_flash.c). NULL when the board has none. */
const colony_flash_t *colony_agents_flash(void);
/* generated: each slot's size (the build sized it from the bundles) */
extern const uint32_t colony_agents_slot_size;
/* generated: the site's trusted publisher keys */
extern const uint8_t colony_ota_trusted[][32];
extern const uint32_t colony_ota_ntrusted;
/* generated: the site policy's update rules (colony firmware build --policy), or NULL */
extern const colony_ota_updates_t *const colony_ota_updates;

/* The module an agent runs from its active slot: 1 and *wasm, *len set; 0 when the
 * partition has none for it (the engine then runs the module compiled in). The first call
 * boots the partition. */
int colony_ota_module(const char *agent, const uint8_t **wasm, uint32_t *len);
#endif
