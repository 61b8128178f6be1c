/* Two slots per agent, the design of host/ota/slots.ts on NOR flash. Every write goes to a
 * slot the boot record does not name, or through a dual record; a slot's header (magic,
 * length, SHA-256) is written after its content. So a power cut at any byte leaves a valid
 * boot record naming a valid slot, and a boot record on "trial" is switched back at boot. */
#include <string.h>
#include "crypto.h"
#include "ota_cbor.h"
#include "record.h"

#define SLOT_MAGIC 0x534c4f54u /* "SLOT" */
#define HDR COLONY_OTA_SLOT_HEADER

#define TRY(x) do { colony_ota_reason_t e_ = (x); if (e_) return e_; } while (0)

uint32_t colony_slot_area_size(const colony_slot_layout_t *l, uint32_t sector) {
  return 4 * sector + 2 * l->slot_size + 4 * l->state_size;
}

static uint32_t sector(const colony_slots_t *s) { return s->flash->sector; }
static uint32_t slot_off(const colony_slots_t *s, int slot) { return s->layout.offset + 2 * sector(s) + (uint32_t)slot * s->layout.slot_size; }
static dual_rec_t boot_rec(const colony_slots_t *s) { dual_rec_t r = {s->flash, s->layout.offset, sector(s)}; return r; }
static dual_rec_t state_rec(const colony_slots_t *s, int slot) {
  dual_rec_t r = {s->flash, s->layout.offset + 2 * sector(s) + 2 * s->layout.slot_size + (uint32_t)slot * 2 * s->layout.state_size, s->layout.state_size};
  return r;
}
static dual_rec_t stage_rec(const colony_slots_t *s) {
  dual_rec_t r = {s->flash, s->layout.offset + 2 * sector(s) + 2 * s->layout.slot_size + 4 * s->layout.state_size, sector(s)};
  return r;
}
static uint32_t chunk_count(const colony_slots_t *s) { return (s->stage_size + s->stage_chunk - 1) / s->stage_chunk; }

/* ---- records: CBOR maps as host/ota writes them ---- */

static colony_ota_reason_t write_boot(colony_slots_t *s, const colony_boot_record_t *b) {
  uint8_t buf[8 + 2 * (COLONY_OTA_VERSION_MAX + 16)];
  cbor_wr_t w = {buf, sizeof buf, 0, 0};
  cbor_put_head(&w, 5, 4);
  cbor_put_text(&w, "active"), cbor_put_uint(&w, b->active);
  cbor_put_text(&w, "trial"), cbor_put_bool(&w, b->trial);
  cbor_put_text(&w, "floor"), cbor_put_text(&w, b->floor);
  cbor_put_text(&w, "rollout"), cbor_put_text(&w, b->rollout);
  dual_rec_t r = boot_rec(s);
  if (w.overflow || rec_write(&r, buf, w.len, 0, 0)) return OTA_FLASH_ERROR;
  if (b != &s->rec) s->rec = *b;
  s->provisioned = 1;
  return OTA_OK;
}

/* 0 read, 1 none; a record with a valid CRC but unreadable fields counts as none. */
static int read_boot(colony_slots_t *s, colony_boot_record_t *b) {
  uint8_t buf[256];
  uint32_t n;
  dual_rec_t r = boot_rec(s);
  int e = rec_read(&r, buf, sizeof buf, &n);
  if (e) return e;
  colony_src_t src = {0, buf, 0, n};
  cbor_rd_t rd = {&src, 0, OTA_OK};
  uint8_t major;
  uint64_t count, v;
  int got = 0;
  memset(b, 0, sizeof *b);
  if (cbor_head(&rd, &major, &count) || major != 5) return 1;
  for (uint64_t i = 0; i < count; i++) {
    char k[12];
    if (cbor_text(&rd, k, sizeof k - 1)) return 1;
    if (!strcmp(k, "active")) {
      if (cbor_head(&rd, &major, &v) || major != 0 || v > 1) return 1;
      b->active = (uint8_t)v, got |= 1;
    } else if (!strcmp(k, "trial")) {
      if (cbor_head(&rd, &major, &v) || major != 7) return 1;
      b->trial = v == 21;
    } else if (!strcmp(k, "floor")) {
      if (cbor_text(&rd, b->floor, COLONY_OTA_VERSION_MAX)) return 1;
      got |= 2;
    } else if (!strcmp(k, "rollout")) {
      if (cbor_text(&rd, b->rollout, COLONY_OTA_ROLLOUT_MAX)) return 1;
    } else if (cbor_skip(&rd)) return 1;
  }
  return got == 3 ? 0 : 1;
}

static colony_ota_reason_t write_state(colony_slots_t *s, int slot, const uint8_t *state, uint32_t n) {
  uint8_t pre[8];
  cbor_wr_t w = {pre, sizeof pre, 0, 0};
  cbor_put_head(&w, 5, 1);
  cbor_put_text(&w, "s");
  cbor_put_head(&w, 2, n);
  dual_rec_t r = state_rec(s, slot);
  int e = rec_write(&r, pre, w.len, state, n);
  return e == -2 ? OTA_INSTALL_FAILED : e ? OTA_FLASH_ERROR : OTA_OK;
}

/* The saved state into s->state: its length, 0 for none, -1 flash error. */
static int32_t read_state(colony_slots_t *s, int slot) {
  uint32_t n;
  dual_rec_t r = state_rec(s, slot);
  int e = rec_read(&r, s->state, sizeof s->state, &n);
  if (e) return e < 0 ? -1 : 0;
  colony_src_t src = {0, s->state, 0, n};
  cbor_rd_t rd = {&src, 0, OTA_OK};
  uint8_t major;
  uint64_t count, len;
  char k[2];
  if (cbor_head(&rd, &major, &count) || major != 5 || count != 1 || cbor_text(&rd, k, 1) || k[0] != 's') return 0;
  if (cbor_head(&rd, &major, &len) || major != 2 || len > n - rd.at) return 0;
  memmove(s->state, s->state + rd.at, (size_t)len);
  return (int32_t)len;
}

static colony_ota_reason_t write_stage(colony_slots_t *s) {
  uint8_t buf[80 + sizeof s->have];
  cbor_wr_t w = {buf, sizeof buf, 0, 0};
  cbor_put_head(&w, 5, 5);
  cbor_put_text(&w, "s"), cbor_put_uint(&w, s->stage_slot);
  cbor_put_text(&w, "b"), cbor_put_text(&w, s->stage_id);
  cbor_put_text(&w, "n"), cbor_put_uint(&w, s->stage_size);
  cbor_put_text(&w, "c"), cbor_put_uint(&w, s->stage_chunk);
  cbor_put_text(&w, "h"), cbor_put_bytes(&w, s->have, (chunk_count(s) + 7) / 8);
  dual_rec_t r = stage_rec(s);
  return w.overflow || rec_write(&r, buf, w.len, 0, 0) ? OTA_FLASH_ERROR : OTA_OK;
}

/* 1 when the stage record describes exactly this download (s->have then loaded). */
static int read_stage(colony_slots_t *s, int slot, const char *id, uint32_t size, uint32_t chunk) {
  uint8_t buf[80 + sizeof s->have];
  uint32_t n;
  dual_rec_t r = stage_rec(s);
  if (rec_read(&r, buf, sizeof buf, &n)) return 0;
  colony_src_t src = {0, buf, 0, n};
  cbor_rd_t rd = {&src, 0, OTA_OK};
  uint8_t major;
  uint64_t count, v;
  int match = 0;
  uint32_t want = ((size + chunk - 1) / chunk + 7) / 8;
  if (cbor_head(&rd, &major, &count) || major != 5) return 0;
  for (uint64_t i = 0; i < count; i++) {
    char k[2], b[COLONY_OTA_BUNDLE_ID_MAX + 1];
    if (cbor_text(&rd, k, 1)) return 0;
    if (k[0] == 'b') {
      if (cbor_text(&rd, b, COLONY_OTA_BUNDLE_ID_MAX) || strcmp(b, id)) return 0;
      match |= 1;
    } else if (k[0] == 'h') {
      if (cbor_head(&rd, &major, &v) || major != 2 || v != want || v > n - rd.at) return 0;
      memset(s->have, 0, sizeof s->have);
      memcpy(s->have, buf + rd.at, want);
      rd.at += want;
      match |= 2;
    } else {
      if (cbor_head(&rd, &major, &v) || major != 0) return 0;
      if ((k[0] == 's' && v != (uint64_t)slot) || (k[0] == 'n' && v != size) || (k[0] == 'c' && v != chunk)) return 0;
      match |= k[0] == 's' ? 4 : k[0] == 'n' ? 8 : k[0] == 'c' ? 16 : 0;
    }
  }
  return match == 31;
}

/* ---- slots ---- */

static void slot_header(uint8_t h[HDR], uint32_t len, const uint8_t sha[32]) {
  for (int i = 0; i < 4; i++) h[i] = (uint8_t)(SLOT_MAGIC >> (8 * i)), h[4 + i] = (uint8_t)(len >> (8 * i));
  memcpy(h + 8, sha, 32);
}

static colony_ota_reason_t sha_of(const colony_slots_t *s, uint32_t off, uint32_t len, uint8_t out[32]) {
  colony_sha256_t h;
  uint8_t block[256];
  colony_sha256_init(&h);
  for (uint32_t at = 0; at < len; at += sizeof block) {
    uint32_t k = len - at < sizeof block ? len - at : (uint32_t)sizeof block;
    if (s->flash->read(s->flash->ctx, off + at, block, k)) return OTA_FLASH_ERROR;
    colony_sha256_update(&h, block, k);
  }
  colony_sha256_final(&h, out);
  return OTA_OK;
}

/* A slot's bundle when its header and content agree and the bundle verifies (no floor). */
static colony_ota_reason_t read_slot(colony_slots_t *s, int slot, colony_bundle_t *b, colony_src_t *src) {
  uint8_t h[HDR], sha[32];
  uint32_t at = slot_off(s, slot);
  if (s->flash->read(s->flash->ctx, at, h, HDR)) return OTA_FLASH_ERROR;
  uint32_t len = (uint32_t)h[4] | (uint32_t)h[5] << 8 | (uint32_t)h[6] << 16 | (uint32_t)h[7] << 24;
  if (h[0] != 0x54 || h[1] != 0x4f || h[2] != 0x4c || h[3] != 0x53 || len > s->layout.slot_size - HDR) return OTA_BAD_STATE;
  TRY(sha_of(s, at + HDR, len, sha));
  if (memcmp(sha, h + 8, 32)) return OTA_BAD_STATE;
  colony_src_t bs = {s->flash, 0, at + HDR, len};
  *src = bs;
  return colony_bundle_verify(src, s->policy, 0, b);
}

static colony_ota_reason_t start(colony_slots_t *s, int slot, const uint8_t *state, uint32_t n) {
  colony_src_t src;
  colony_ota_reason_t e = read_slot(s, slot, &s->bundle, &src);
  if (e) return e == OTA_FLASH_ERROR ? e : OTA_INSTALL_FAILED;
  colony_src_t wasm = {s->flash, 0, src.off + s->bundle.wasm_off, s->bundle.wasm_len};
  if (s->rt->start(s->rt->ctx, &wasm, &s->bundle)) return OTA_INSTALL_FAILED;
  if (n && s->rt->restore(s->rt->ctx, state, n)) {
    s->rt->stop(s->rt->ctx);
    return OTA_INSTALL_FAILED;
  }
  s->running = 1;
  s->slot = (uint8_t)slot;
  return OTA_OK;
}

/* The site's update rules on b (from src) replacing the running version (its slot's manifest). */
static colony_ota_reason_t allowed(colony_slots_t *s, const colony_src_t *src, const colony_bundle_t *b, colony_install_result_t *out) {
  colony_src_t run = {s->flash, 0, slot_off(s, s->slot) + HDR, s->layout.slot_size - HDR};
  return colony_update_check(s->policy, &run, &s->bundle, src, b, out->detail, sizeof out->detail);
}

static void stop(colony_slots_t *s) {
  if (s->running) s->rt->stop(s->rt->ctx);
  s->running = 0;
}

colony_ota_reason_t colony_slots_open(colony_slots_t *s, const colony_flash_t *f, const colony_slot_layout_t *l, const colony_ota_runtime_t *rt, const colony_ota_policy_t *p) {
  memset(s, 0, sizeof *s);
  s->flash = f, s->layout = *l, s->rt = rt, s->policy = p;
  if (l->offset % f->sector || l->slot_size % f->sector || l->state_size % f->sector || !l->state_size || l->slot_size <= HDR) return OTA_BAD_STATE;
  if (l->offset + colony_slot_area_size(l, f->sector) > f->size) return OTA_BAD_STATE;
  int e = read_boot(s, &s->rec);
  if (e < 0) return OTA_FLASH_ERROR;
  s->provisioned = e == 0;
  return OTA_OK;
}

const char *colony_slots_version(const colony_slots_t *s) { return s->running ? s->bundle.version : ""; }

/* Erases the sectors a slot's first `len` bytes occupy, header sector first. */
static colony_ota_reason_t erase_slot(colony_slots_t *s, int slot, uint32_t len) {
  for (uint32_t at = 0; at < len; at += sector(s))
    if (s->flash->erase(s->flash->ctx, slot_off(s, slot) + at)) return OTA_FLASH_ERROR;
  return OTA_OK;
}

colony_ota_reason_t colony_slots_provision(colony_slots_t *s, const uint8_t *bundle, uint32_t n) {
  colony_src_t src = {0, bundle, 0, n};
  return colony_slots_provision_src(s, &src);
}

colony_ota_reason_t colony_slots_provision_src(colony_slots_t *s, const colony_src_t *src) {
  colony_bundle_t b;
  uint8_t sha[32], block[256], h[HDR];
  uint32_t n = src->size;
  if (s->provisioned) return OTA_BAD_STATE;
  if (n + HDR > s->layout.slot_size) return OTA_MALFORMED;
  TRY(colony_bundle_verify(src, s->policy, 0, &b));
  /* copied a block at a time (the source may be flash), hashed on the way, header last */
  colony_sha256_t hs;
  colony_sha256_init(&hs);
  TRY(erase_slot(s, 0, HDR + n));
  for (uint32_t at = 0; at < n; at += sizeof block) {
    uint32_t k = n - at < sizeof block ? n - at : (uint32_t)sizeof block;
    if (colony_src_read(src, at, block, k)) return OTA_FLASH_ERROR;
    colony_sha256_update(&hs, block, k);
    if (s->flash->write(s->flash->ctx, slot_off(s, 0) + HDR + at, block, k)) return OTA_FLASH_ERROR;
  }
  colony_sha256_final(&hs, sha);
  slot_header(h, n, sha);
  if (s->flash->write(s->flash->ctx, slot_off(s, 0), h, HDR)) return OTA_FLASH_ERROR;
  colony_boot_record_t r;
  memset(&r, 0, sizeof r);
  strcpy(r.floor, b.version);
  TRY(write_boot(s, &r));
  return start(s, 0, 0, 0);
}

colony_ota_reason_t colony_slots_boot(colony_slots_t *s) {
  if (!s->provisioned) return OTA_OK;
  stop(s);
  if (s->rec.trial) {
    /* Power was lost during the health window: the new version never proved itself. */
    colony_boot_record_t r = s->rec;
    r.active = (uint8_t)(1 - r.active);
    r.trial = 0;
    TRY(write_boot(s, &r));
  }
  int32_t n = read_state(s, s->rec.active);
  if (n < 0) return OTA_FLASH_ERROR;
  return start(s, s->rec.active, s->state, (uint32_t)n);
}

colony_ota_reason_t colony_slots_checkpoint(colony_slots_t *s) {
  if (!s->running) return OTA_OK;
  int32_t n = s->rt->snapshot(s->rt->ctx, s->state, sizeof s->state - 8);
  if (n < 0) return OTA_INSTALL_FAILED;
  return n ? write_state(s, s->slot, s->state, (uint32_t)n) : OTA_OK;
}

colony_ota_reason_t colony_slots_stage(colony_slots_t *s, const char *id, uint32_t size, uint32_t chunk) {
  if (!s->provisioned) return OTA_BAD_STATE;
  if (size + HDR > s->layout.slot_size || !chunk || (size + chunk - 1) / chunk > 8 * sizeof s->have || strlen(id) > COLONY_OTA_BUNDLE_ID_MAX) return OTA_MALFORMED;
  int slot = 1 - s->rec.active;
  s->staging = 1;
  s->stage_slot = (uint8_t)slot;
  strcpy(s->stage_id, id);
  s->stage_size = size, s->stage_chunk = chunk;
  if (read_stage(s, slot, id, size, chunk)) return OTA_OK;
  /* Afresh: the header's sector goes first, so the version this slot held is gone. */
  memset(s->have, 0, sizeof s->have);
  colony_ota_reason_t e = erase_slot(s, slot, HDR + size);
  if (!e) e = write_stage(s);
  if (e) s->staging = 0;
  return e;
}

colony_ota_reason_t colony_slots_stage_chunk(colony_slots_t *s, uint32_t i, const uint8_t *data, uint32_t n) {
  if (!s->staging) return OTA_BAD_STATE;
  uint32_t count = chunk_count(s);
  uint32_t want = i + 1 < count ? s->stage_chunk : s->stage_size - i * s->stage_chunk;
  if (i >= count || n != want) return OTA_MALFORMED;
  if (s->have[i >> 3] & (1u << (i & 7))) return OTA_OK; /* a duplicate */
  if (s->flash->write(s->flash->ctx, slot_off(s, s->stage_slot) + HDR + i * s->stage_chunk, data, n)) return OTA_FLASH_ERROR;
  s->have[i >> 3] |= (uint8_t)(1u << (i & 7));
  return write_stage(s);
}

int colony_slots_staged_count(const colony_slots_t *s) {
  int n = 0;
  if (!s->staging) return 0;
  for (uint32_t i = 0; i < chunk_count(s); i++) n += (s->have[i >> 3] >> (i & 7)) & 1;
  return n;
}

colony_ota_reason_t colony_slots_staged_sha256(const colony_slots_t *s, uint8_t out[32]) {
  if (!s->staging) return OTA_BAD_STATE;
  return sha_of(s, slot_off(s, s->stage_slot) + HDR, s->stage_size, out);
}

colony_ota_reason_t colony_slots_install_begin(colony_slots_t *s, const char *rollout, colony_install_result_t *out) {
  if (!s->running || !s->staging || s->trial_pending || colony_slots_staged_count(s) != (int)chunk_count(s) || strlen(rollout) > COLONY_OTA_ROLLOUT_MAX) return OTA_BAD_STATE;
  int old = s->slot, neu = s->stage_slot;
  uint32_t at = slot_off(s, neu);
  colony_src_t src = {s->flash, 0, at + HDR, s->stage_size};
  colony_bundle_t b;
  TRY(colony_bundle_verify(&src, s->policy, s->rec.floor, &b));
  if (strcmp(b.name, s->bundle.name)) return OTA_WRONG_AGENT;
  /* Refused by the site's rules: the slot keeps no header, so it is never booted. */
  TRY(allowed(s, &src, &b, out));
  /* The header last: erased since staging began (or already this one after an earlier try). */
  uint8_t want[HDR], have[HDR], sha[32];
  TRY(sha_of(s, at + HDR, s->stage_size, sha));
  slot_header(want, s->stage_size, sha);
  if (s->flash->read(s->flash->ctx, at, have, HDR)) return OTA_FLASH_ERROR;
  /* A header cut short holds each byte erased or already right: writing it again only
   * clears bits (NOR allows that); anything else would need an erase of staged content. */
  for (uint32_t i = 0; i < HDR; i++)
    if ((have[i] & want[i]) != want[i]) return OTA_BAD_STATE;
  if (memcmp(have, want, HDR) && s->flash->write(s->flash->ctx, at, want, HDR)) return OTA_FLASH_ERROR;
  /* State handoff: saved for both slots before the boot record moves. */
  int32_t n = s->rt->snapshot(s->rt->ctx, s->state, sizeof s->state - 8);
  if (n < 0) return OTA_INSTALL_FAILED;
  if (n) {
    TRY(write_state(s, old, s->state, (uint32_t)n));
    TRY(write_state(s, neu, s->state, (uint32_t)n));
  }
  colony_boot_record_t trial = s->rec;
  s->trial_before = s->rec;
  s->trial_old = (uint8_t)old;
  strcpy(s->trial_version, b.version);
  trial.active = (uint8_t)neu, trial.trial = 1;
  strcpy(trial.rollout, rollout);
  TRY(write_boot(s, &trial));
  stop(s);
  colony_ota_reason_t e = start(s, neu, s->state, (uint32_t)n);
  if (e == OTA_FLASH_ERROR) return e;
  s->trial_pending = 1;
  out->committed = 0, out->reason = OTA_OK;
  return e ? colony_slots_install_end(s, 0, out) : OTA_OK;
}

colony_ota_reason_t colony_slots_install_end(colony_slots_t *s, int healthy, colony_install_result_t *out) {
  if (!s->trial_pending) return OTA_BAD_STATE;
  s->trial_pending = 0;
  colony_boot_record_t r = s->rec;
  r.trial = 0;
  if (s->running && healthy) {
    strcpy(r.floor, s->trial_version);
    TRY(write_boot(s, &r));
    out->committed = 1, out->reason = OTA_OK;
    return OTA_OK;
  }
  out->committed = 0, out->reason = s->running ? OTA_HEALTH_CHECK : OTA_INSTALL_FAILED;
  stop(s);
  /* back to the old slot, with the state handed over at the switch (saved for it) */
  strcpy(s->trial_before.rollout, r.rollout);
  TRY(write_boot(s, &s->trial_before));
  int32_t n = read_state(s, s->trial_old);
  if (n < 0) return OTA_FLASH_ERROR;
  return start(s, s->trial_old, s->state, (uint32_t)n);
}

colony_ota_reason_t colony_slots_install(colony_slots_t *s, const char *rollout, colony_install_result_t *out) {
  TRY(colony_slots_install_begin(s, rollout, out));
  if (!s->trial_pending) return OTA_OK; /* it could not start: already rolled back */
  return colony_slots_install_end(s, s->rt->healthy(s->rt->ctx), out);
}

colony_ota_reason_t colony_slots_install_bytes(colony_slots_t *s, const uint8_t *bundle, uint32_t n, const char *rollout, colony_install_result_t *out) {
  static const char hexd[] = "0123456789abcdef";
  uint8_t sha[32];
  char id[17];
  colony_sha256(bundle, n, sha);
  for (int i = 0; i < 8; i++) id[2 * i] = hexd[sha[i] >> 4], id[2 * i + 1] = hexd[sha[i] & 15];
  id[16] = 0;
  const uint32_t chunk = 512;
  /* Checked before the inactive slot is touched, as host/ota's install does. */
  colony_src_t src = {0, bundle, 0, n};
  colony_bundle_t b;
  if (!s->running) return OTA_BAD_STATE;
  TRY(colony_bundle_verify(&src, s->policy, s->rec.floor, &b));
  if (strcmp(b.name, s->bundle.name)) return OTA_WRONG_AGENT;
  TRY(allowed(s, &src, &b, out));
  if (n + HDR > s->layout.slot_size) return OTA_MALFORMED;
  TRY(colony_slots_stage(s, id, n, chunk));
  for (uint32_t i = 0; i * chunk < n; i++) TRY(colony_slots_stage_chunk(s, i, bundle + i * chunk, n - i * chunk < chunk ? n - i * chunk : chunk));
  return colony_slots_install(s, rollout, out);
}

colony_ota_reason_t colony_slots_revert(colony_slots_t *s, const char *rollout) {
  if (!s->running || strlen(rollout) > COLONY_OTA_ROLLOUT_MAX) return OTA_BAD_STATE;
  int other = 1 - s->slot;
  colony_bundle_t prev;
  colony_src_t src;
  colony_ota_reason_t e = read_slot(s, other, &prev, &src);
  if (e == OTA_FLASH_ERROR) return e;
  if (e || colony_semver_compare(prev.version, s->bundle.version) >= 0) return OTA_BAD_STATE;
  int32_t n = s->rt->snapshot(s->rt->ctx, s->state, sizeof s->state - 8);
  if (n < 0) return OTA_INSTALL_FAILED;
  if (n) TRY(write_state(s, other, s->state, (uint32_t)n));
  colony_boot_record_t r = s->rec;
  r.active = (uint8_t)other, r.trial = 0;
  strcpy(r.rollout, rollout);
  TRY(write_boot(s, &r));
  stop(s);
  return start(s, other, s->state, (uint32_t)n);
}
