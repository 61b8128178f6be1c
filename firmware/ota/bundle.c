/* The signed bundle (docs/bundle.md): CBOR { manifest: bstr, wasm: bstr, signature:
 * { alg, key, sig } }, read straight from flash or RAM, checked in host/ota's order with
 * host/ota's reasons. Ed25519 and SHA-256 come from firmware/crypto. */
#include <string.h>
#include "crypto.h"
#include "ota_cbor.h"

static const char *const REASONS[] = {"ok", "truncated", "malformed", "tampered", "untrusted-key", "wrong-abi", "older-version", "corrupted", "transfer-failed", "wrong-agent", "health-check", "install-failed", "policy", "flash-error", "bad-state"};

const char *colony_ota_reason_name(colony_ota_reason_t r) {
  return (unsigned)r < sizeof REASONS / sizeof REASONS[0] ? REASONS[r] : "unknown";
}

#define SIGNING_DOMAIN "colony-bundle/1"

/* The manifest as signed, and the message the publisher signed over it. */
static uint8_t message[sizeof SIGNING_DOMAIN + 4 + COLONY_OTA_MANIFEST_MAX + 32];

static colony_ota_reason_t err_of(const cbor_rd_t *r) { return r->err ? r->err : OTA_MALFORMED; }

/* The manifest's fields delivery relies on: host/ota/manifest.ts's checkManifest. */
static colony_ota_reason_t read_manifest(const uint8_t *m, uint32_t n, colony_bundle_t *b) {
  colony_src_t src = {0, m, 0, n};
  cbor_rd_t r = {&src, 0, OTA_OK};
  uint8_t major;
  uint64_t count;
  int have_name = 0, have_version = 0, have_abi = 0;
  /* Well-formed CBOR first: bytes that are not CBOR were not what was signed. */
  if (cbor_skip(&r) || r.at != n) return OTA_TAMPERED;
  r.at = 0;
  if (cbor_head(&r, &major, &count) || major != 5) return OTA_MALFORMED;
  for (uint64_t i = 0; i < count; i++) {
    char key[16];
    if (cbor_text(&r, key, sizeof key - 1)) {
      if (r.err) return OTA_MALFORMED;
      if (cbor_skip(&r)) return OTA_MALFORMED; /* a key we do not read */
      continue;
    }
    if (!strcmp(key, "name")) {
      if (cbor_text(&r, b->name, COLONY_OTA_NAME_MAX)) return OTA_MALFORMED;
      have_name = 1;
    } else if (!strcmp(key, "version")) {
      if (cbor_text(&r, b->version, COLONY_OTA_VERSION_MAX)) return OTA_MALFORMED;
      have_version = 1;
    } else if (!strcmp(key, "abi")) {
      uint64_t v;
      if (cbor_head(&r, &major, &v) || major != 0 || v < 1 || v > 0xffffffffu) return OTA_MALFORMED;
      b->abi = (uint32_t)v;
      have_abi = 1;
    } else if (cbor_skip(&r)) return OTA_MALFORMED;
  }
  if (!have_name || !have_version || !have_abi) return OTA_MALFORMED;
  /* name: ^[a-z0-9][a-z0-9._-]{0,63}$ */
  size_t len = strlen(b->name);
  if (len < 1 || len > 64) return OTA_MALFORMED;
  for (size_t i = 0; i < len; i++) {
    char c = b->name[i];
    int ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || (i > 0 && (c == '.' || c == '_' || c == '-'));
    if (!ok) return OTA_MALFORMED;
  }
  if (!colony_semver_valid(b->version)) return OTA_MALFORMED;
  return OTA_OK;
}

/* A byte string's position; -1 when the item is not one (r->err tells a CBOR error). */
static int bytes_at(cbor_rd_t *r, uint32_t *off, uint32_t *len) {
  uint8_t major;
  uint64_t n;
  uint32_t at = r->at;
  if (cbor_head(r, &major, &n)) return -1;
  if (major != 2) {
    r->at = at;
    if (cbor_skip(r)) return -1;
    return -2;
  }
  if (n > r->src->size - r->at) {
    r->err = OTA_TRUNCATED;
    return -1;
  }
  *off = r->at;
  *len = (uint32_t)n;
  r->at += (uint32_t)n;
  return 0;
}

static colony_ota_reason_t read_signature(cbor_rd_t *r, colony_bundle_t *b, int *alg, int *key, int *sig) {
  uint8_t major;
  uint64_t count;
  if (cbor_head(r, &major, &count)) return err_of(r);
  if (major != 5) return OTA_MALFORMED;
  for (uint64_t i = 0; i < count; i++) {
    char k[8];
    uint32_t off, len;
    if (cbor_text(r, k, sizeof k - 1)) {
      if (r->err || cbor_skip(r)) return err_of(r);
      continue;
    }
    if (!strcmp(k, "alg")) {
      char v[16];
      if (cbor_text(r, v, sizeof v - 1)) {
        if (r->err) return r->err;
        *alg = -1;
      } else *alg = strcmp(v, "ed25519") ? -1 : 1;
    } else if (!strcmp(k, "key") || !strcmp(k, "sig")) {
      int e = bytes_at(r, &off, &len);
      if (e == -1) return err_of(r);
      int want = k[0] == 'k' ? 32 : 64;
      int ok = e == 0 && len == (uint32_t)want && !colony_src_read(r->src, off, k[0] == 'k' ? b->key : b->sig, len);
      *(k[0] == 'k' ? key : sig) = ok ? 1 : -1;
    } else if (cbor_skip(r)) return err_of(r);
  }
  return OTA_OK;
}

colony_ota_reason_t colony_bundle_read(const colony_src_t *src, colony_bundle_t *b) {
  cbor_rd_t r = {src, 0, OTA_OK};
  uint8_t major;
  uint64_t count;
  int have_m = 0, have_w = 0, have_s = 0, alg = 0, key = 0, sig = 0;
  memset(b, 0, sizeof *b);
  /* The whole item first, as the host's decoder does: a cut anywhere is "truncated". */
  if (cbor_skip(&r)) return err_of(&r);
  if (r.at != src->size) return OTA_MALFORMED; /* bytes after the bundle */
  r.at = 0;
  if (cbor_head(&r, &major, &count)) return err_of(&r);
  if (major != 5) return OTA_MALFORMED;
  for (uint64_t i = 0; i < count; i++) {
    char k[12];
    if (cbor_text(&r, k, sizeof k - 1)) {
      if (r.err || cbor_skip(&r)) return err_of(&r);
      continue;
    }
    if (!strcmp(k, "manifest")) {
      int e = bytes_at(&r, &b->manifest_off, &b->manifest_len);
      if (e == -1) return err_of(&r);
      have_m = e == 0 ? 1 : -1;
    } else if (!strcmp(k, "wasm")) {
      int e = bytes_at(&r, &b->wasm_off, &b->wasm_len);
      if (e == -1) return err_of(&r);
      have_w = e == 0 ? 1 : -1;
    } else if (!strcmp(k, "signature")) {
      uint32_t at = r.at;
      uint8_t mj;
      uint64_t n;
      if (cbor_head(&r, &mj, &n)) return err_of(&r);
      r.at = at;
      if (mj == 5) {
        colony_ota_reason_t e = read_signature(&r, b, &alg, &key, &sig);
        if (e) return e;
        have_s = 1;
      } else {
        if (cbor_skip(&r)) return err_of(&r);
        have_s = -1;
      }
    } else if (cbor_skip(&r)) return err_of(&r);
  }
  /* host/ota/bundle.ts's readBundle, field by field in its order */
  if (have_m != 1 || have_w != 1 || have_s != 1 || alg != 1 || key != 1 || sig != 1) return OTA_MALFORMED;
  if (b->manifest_len > COLONY_OTA_MANIFEST_MAX) return OTA_MALFORMED; /* more than this firmware can check */
  uint8_t *m = message + sizeof SIGNING_DOMAIN + 4;
  if (colony_src_read(src, b->manifest_off, m, b->manifest_len)) return OTA_FLASH_ERROR;
  return read_manifest(m, b->manifest_len, b);
}

colony_ota_reason_t colony_bundle_verify(const colony_src_t *src, const colony_ota_policy_t *p, const char *floor, colony_bundle_t *b) {
  colony_ota_reason_t e = colony_bundle_read(src, b);
  if (e) return e;
  /* SHA-256 of the module, read a block at a time */
  colony_sha256_t h;
  uint8_t block[256];
  colony_sha256_init(&h);
  for (uint32_t at = 0; at < b->wasm_len; at += sizeof block) {
    uint32_t n = b->wasm_len - at < sizeof block ? b->wasm_len - at : (uint32_t)sizeof block;
    if (colony_src_read(src, b->wasm_off + at, block, n)) return OTA_FLASH_ERROR;
    colony_sha256_update(&h, block, n);
  }
  colony_sha256_final(&h, b->wasm_sha256);
  /* "colony-bundle/1" 0x00 | u32be manifest length | manifest | SHA-256(wasm); the manifest
   * is already in place (colony_bundle_read put it there) */
  uint32_t at = sizeof SIGNING_DOMAIN; /* the domain and its 0 */
  memcpy(message, SIGNING_DOMAIN, at);
  message[at++] = (uint8_t)(b->manifest_len >> 24);
  message[at++] = (uint8_t)(b->manifest_len >> 16);
  message[at++] = (uint8_t)(b->manifest_len >> 8);
  message[at++] = (uint8_t)b->manifest_len;
  at += b->manifest_len;
  memcpy(message + at, b->wasm_sha256, 32);
  at += 32;
  if (!colony_ed25519_verify(b->sig, message, at, b->key)) return OTA_TAMPERED;
  int trusted = 0;
  for (uint32_t i = 0; i < p->ntrusted && !trusted; i++) trusted = !memcmp(p->trusted[i], b->key, 32);
  if (!trusted) return OTA_UNTRUSTED_KEY;
  int abi = 0;
  for (uint32_t i = 0; i < p->nabi && !abi; i++) abi = p->abi[i] == b->abi;
  if (!abi) return OTA_WRONG_ABI;
  if (floor && floor[0] && colony_semver_compare(b->version, floor) <= 0) return OTA_OLDER_VERSION;
  return OTA_OK;
}
