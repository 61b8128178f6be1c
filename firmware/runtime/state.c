/* The agent's key-value store in its static arena: packed records
 * [u16 key length][u16 value length][key][value], compacted on delete.
 * Limits as host/kernel/agent.ts: 64 keys, 4 KiB a value, 16 KiB of values. */
#include <string.h>
#include "colony.h"

static uint32_t rec_len(const uint8_t *r) { return 4u + (r[0] | r[1] << 8) + (r[2] | r[3] << 8); }

static uint8_t *find(colony_agent_t *a, const uint8_t *k, uint32_t kn) {
  uint8_t *p = a->spec->state_arena, *end = p + a->state_used;
  while (p < end) {
    uint32_t klen = p[0] | p[1] << 8;
    if (klen == kn && memcmp(p + 4, k, kn) == 0) return p;
    p += rec_len(p);
  }
  return NULL;
}

int32_t colony_kv_get(colony_agent_t *a, const uint8_t *k, uint32_t kn, uint8_t *out, uint32_t cap) {
  uint8_t *r = a->spec->state_arena ? find(a, k, kn) : NULL;
  if (!r) return COLONY_ENOTFOUND;
  uint32_t vlen = r[2] | r[3] << 8;
  memcpy(out, r + 4 + kn, vlen < cap ? vlen : cap);
  return (int32_t)vlen;
}

int32_t colony_kv_delete(colony_agent_t *a, const uint8_t *k, uint32_t kn) {
  uint8_t *r = a->spec->state_arena ? find(a, k, kn) : NULL;
  if (!r) return COLONY_ENOTFOUND;
  uint32_t len = rec_len(r), off = (uint32_t)(r - a->spec->state_arena);
  a->state_bytes -= (uint32_t)(r[2] | r[3] << 8);
  a->state_keys--;
  memmove(r, r + len, a->state_used - off - len);
  a->state_used -= len;
  return 0;
}

int32_t colony_kv_set(colony_agent_t *a, const uint8_t *k, uint32_t kn, const uint8_t *v, uint32_t vn) {
  if (!a->spec->state_arena) return COLONY_ENOSPACE;
  if (vn > COLONY_STATE_VALUE) return COLONY_ENOSPACE;
  if (kn > COLONY_STATE_KEY_MAX) return COLONY_EINVALID;
  uint8_t *old = find(a, k, kn);
  uint32_t old_v = old ? (uint32_t)(old[2] | old[3] << 8) : 0;
  if (!old && a->state_keys >= COLONY_STATE_KEYS) return COLONY_ENOSPACE;
  if (a->state_bytes - old_v + vn > COLONY_STATE_TOTAL) return COLONY_ENOSPACE;
  if (old) colony_kv_delete(a, k, kn);
  if (a->state_used + 4 + kn + vn > a->spec->state_arena_len) return COLONY_ENOSPACE;
  uint8_t *r = a->spec->state_arena + a->state_used;
  r[0] = (uint8_t)kn; r[1] = (uint8_t)(kn >> 8); r[2] = (uint8_t)vn; r[3] = (uint8_t)(vn >> 8);
  memcpy(r + 4, k, kn);
  memcpy(r + 4 + kn, v, vn);
  a->state_used += 4 + kn + vn;
  a->state_keys++;
  a->state_bytes += vn;
  return 0;
}
