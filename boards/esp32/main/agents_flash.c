/* The `agents` partition (boards/esp32/partitions.csv: data, subtype 0x40) as the OTA
 * engine's flash (firmware/ota/ota.h): reads, writes and 4 KiB sector erases through
 * esp_partition, and the whole partition memory-mapped so wasm3 runs a module in place
 * from its slot. ESP-IDF's flash driver flushes the cache over a written range, so the
 * mapping shows what was written. Compiled only into ESP-IDF builds with an agents
 * partition (CMakeLists.txt). */
#include "esp_partition.h"
#include "boot.h"

#define AGENTS_SUBTYPE 0x40

static const esp_partition_t *part;
static const uint8_t *mapped;
static colony_flash_t flash;

static int rd(void *c, uint32_t off, uint8_t *buf, uint32_t n) {
  (void)c;
  return esp_partition_read(part, off, buf, n) == ESP_OK ? 0 : -1;
}
static int wr(void *c, uint32_t off, const uint8_t *buf, uint32_t n) {
  (void)c;
  return esp_partition_write(part, off, buf, n) == ESP_OK ? 0 : -1;
}
static int er(void *c, uint32_t off) {
  (void)c;
  return esp_partition_erase_range(part, off, part->erase_size) == ESP_OK ? 0 : -1;
}
static const uint8_t *map(void *c, uint32_t off) {
  (void)c;
  return mapped ? mapped + off : NULL;
}

const colony_flash_t *colony_agents_flash(void) {
  if (part) return &flash;
  part = esp_partition_find_first(ESP_PARTITION_TYPE_DATA, (esp_partition_subtype_t)AGENTS_SUBTYPE, "agents");
  if (!part) return NULL;
  const void *p = NULL;
  esp_partition_mmap_handle_t handle;
  if (esp_partition_mmap(part, 0, part->size, ESP_PARTITION_MMAP_DATA, &p, &handle) == ESP_OK) mapped = p;
  flash.ctx = NULL;
  flash.size = part->size;
  flash.sector = part->erase_size;
  flash.read = rd;
  flash.write = wr;
  flash.erase = er;
  flash.map = map;
  return &flash;
}
