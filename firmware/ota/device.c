/* The device's OTA engine: host/ota/device.ts + downloader.ts in C over the link. Messages
 * are queued by colony_ota_device_message and handled in poll, between the runtime's events,
 * so an install never runs inside the link's receive loop or an agent's call. */
#include <stdio.h>
#include <string.h>
#include "crypto.h"
#include "device.h"
#include "ota_cbor.h"

#define WINDOW 8u
#define RETRY_MS 200u
#define MAX_SILENT 50u
#define RESUME_MS 5000u
#define MAX_ATTEMPTS 20u

static uint32_t topic(char *out, uint32_t cap, const colony_ota_device_t *d, const char *kind) {
  int n = snprintf(out, cap, "colony/%s/ota/%s/%s", d->site, kind, d->device);
  return n > 0 && (uint32_t)n < cap ? (uint32_t)n : 0;
}

static void publish(const colony_ota_device_t *d, const char *kind, const uint8_t *body, uint32_t n, int retain) {
  char t[128];
  uint32_t tn = topic(t, sizeof t, d, kind);
  if (tn) colony_link_publish_raw(t, tn, body, n, 1, retain);
}

/* ---- messages out: CBOR maps as host/ota/messages.ts reads them ---- */

static void announce(colony_ota_device_t *d) {
  uint8_t buf[512];
  cbor_wr_t w = {buf, sizeof buf, 0, 0};
  cbor_put_head(&w, 5, 3);
  cbor_put_text(&w, "device"), cbor_put_text(&w, d->device);
  cbor_put_text(&w, "groups"), cbor_put_head(&w, 4, d->ngroups);
  for (uint32_t i = 0; i < d->ngroups; i++) cbor_put_text(&w, d->groups[i]);
  uint32_t running = 0;
  for (uint32_t i = 0; i < d->nagents; i++) running += d->agents[i].running;
  cbor_put_text(&w, "agents"), cbor_put_head(&w, 5, running);
  for (uint32_t i = 0; i < d->nagents; i++)
    if (d->agents[i].running) cbor_put_text(&w, d->agents[i].bundle.name), cbor_put_text(&w, colony_slots_version(&d->agents[i]));
  if (!w.overflow) publish(d, "device", buf, w.len, 1);
}

typedef struct {
  const char *rollout, *agent, *target, *phase, *reason, *detail;
  int received, total;
} status_t;

static uint32_t encode_status(const colony_ota_device_t *d, const colony_slots_t *s, const status_t *st, uint8_t *buf, uint32_t cap) {
  cbor_wr_t w = {buf, cap, 0, 0};
  uint32_t n = 6 + (st->reason ? 1 : 0) + (st->detail ? 1 : 0) + (st->total >= 0 ? 2 : 0);
  cbor_put_head(&w, 5, n);
  cbor_put_text(&w, "device"), cbor_put_text(&w, d->device);
  cbor_put_text(&w, "rollout"), cbor_put_text(&w, st->rollout);
  cbor_put_text(&w, "agent"), cbor_put_text(&w, st->agent);
  cbor_put_text(&w, "phase"), cbor_put_text(&w, st->phase);
  cbor_put_text(&w, "running"), cbor_put_text(&w, s ? colony_slots_version(s) : "");
  cbor_put_text(&w, "target"), cbor_put_text(&w, st->target);
  if (st->reason) cbor_put_text(&w, "reason"), cbor_put_text(&w, st->reason);
  if (st->detail) cbor_put_text(&w, "detail"), cbor_put_text(&w, st->detail);
  if (st->total >= 0) {
    cbor_put_text(&w, "received"), cbor_put_uint(&w, (uint64_t)st->received);
    cbor_put_text(&w, "total"), cbor_put_uint(&w, (uint64_t)st->total);
  }
  return w.overflow ? 0 : w.len;
}

static void report(colony_ota_device_t *d, const colony_slots_t *s, const status_t *st) {
  uint8_t buf[384];
  uint32_t n = encode_status(d, s, st, buf, sizeof buf);
  if (n) publish(d, "status", buf, n, 1);
}

/* A final status: reported, remembered for a re-delivered job, and the device record renewed. */
static void finish(colony_ota_device_t *d, const colony_slots_t *s, const char *op, status_t st) {
  d->done_len = encode_status(d, s, &st, d->done_status, sizeof d->done_status);
  snprintf(d->done_key, sizeof d->done_key, "%s/%s", st.rollout, op);
  if (d->done_len) publish(d, "status", d->done_status, d->done_len, 1);
  d->active = 0;
  announce(d);
}

/* ---- the download ---- */

static uint32_t count(const colony_ota_device_t *d) { return (d->size + d->chunk - 1) / d->chunk; }
static int has(const colony_slots_t *s, uint32_t i) { return (s->have[i >> 3] >> (i & 7)) & 1; }

static void ask(colony_ota_device_t *d, uint64_t now) {
  uint8_t buf[64 + COLONY_OTA_BUNDLE_ID_MAX];
  uint32_t want[WINDOW], n = 0, flying = 0, total = count(d);
  for (uint32_t i = 0; i < total; i++) flying += (d->inflight[i >> 3] >> (i & 7)) & 1;
  for (uint32_t i = 0; i < total && flying + n < WINDOW; i++)
    if (!has(d->target, i) && !((d->inflight[i >> 3] >> (i & 7)) & 1)) want[n++] = i;
  d->last_heard = now;
  if (!n) return;
  cbor_wr_t w = {buf, sizeof buf, 0, 0};
  cbor_put_head(&w, 5, 2);
  cbor_put_text(&w, "b"), cbor_put_text(&w, d->bundle);
  cbor_put_text(&w, "i"), cbor_put_head(&w, 4, n);
  for (uint32_t k = 0; k < n; k++) {
    cbor_put_uint(&w, want[k]);
    d->inflight[want[k] >> 3] |= (uint8_t)(1u << (want[k] & 7));
  }
  if (!w.overflow) publish(d, "get", buf, w.len, 0);
}

static status_t base(const colony_ota_device_t *d, const char *phase) {
  status_t st = {d->rollout, d->agent, d->version, phase, 0, 0, 0, -1};
  return st;
}

static uint64_t now_cache;

/* The health window is over: commit, or switch back to the old version. */
static void judge(colony_ota_device_t *d) {
  colony_slots_t *s = d->target;
  colony_install_result_t out;
  status_t st = base(d, "refused");
  d->trial = 0;
  colony_ota_reason_t e = colony_slots_install_end(s, s->rt->healthy(s->rt->ctx), &out);
  if (e == OTA_FLASH_ERROR) return;
  if (e) st.reason = "install-failed";
  else if (out.committed) st.phase = "committed";
  else st.phase = "rolled-back", st.reason = colony_ota_reason_name(out.reason);
  finish(d, s, "install", st);
}

/* Every chunk is in the slot: the whole image against the job's SHA-256, then install. */
static void complete(colony_ota_device_t *d) {
  colony_slots_t *s = d->target;
  uint8_t sha[32];
  if (colony_slots_staged_sha256(s, sha)) return; /* the flash failed: a reboot resumes */
  status_t st = base(d, "refused");
  if (memcmp(sha, d->sha256, 32)) {
    st.reason = "corrupted", st.detail = "image SHA-256 does not match the job's";
    finish(d, s, "install", st);
    return;
  }
  status_t inst = base(d, "installing");
  report(d, s, &inst);
  colony_install_result_t out;
  colony_ota_reason_t e = colony_slots_install_begin(s, d->rollout, &out);
  if (e == OTA_FLASH_ERROR) return; /* as a power cut: nothing more until a reboot */
  if (!e && s->trial_pending) {
    /* the new version runs on trial: judged when its health window ends (poll) */
    d->trial = 1;
    d->trial_until = now_cache + d->health_ms;
    if (d->health_ms) return;
    judge(d);
    return;
  }
  if (e) st.reason = e == OTA_BAD_STATE ? "install-failed" : colony_ota_reason_name(e);
  else st.phase = "rolled-back", st.reason = colony_ota_reason_name(out.reason);
  if (e == OTA_POLICY) st.detail = out.detail; /* the site policy's words, as the host's device sends them */
  finish(d, s, "install", st);
}

static const char *busy_agent;

/* Installs now, or once the agent is not in the middle of an event. */
static void staged(colony_ota_device_t *d) {
  if (busy_agent && !strcmp(busy_agent, d->agent)) d->pending = 1;
  else d->pending = 0, complete(d);
}

static void on_chunk(colony_ota_device_t *d, const uint8_t *body, uint32_t bn, uint64_t now) {
  colony_src_t src = {0, body, 0, bn};
  cbor_rd_t r = {&src, 0, OTA_OK};
  uint8_t major, hash[32], sha[32];
  uint64_t n, index = ~0ull;
  uint32_t data_at = 0, data_len = 0;
  char b[COLONY_OTA_BUNDLE_ID_MAX + 1] = "";
  int have_h = 0;
  if (!d->active || cbor_head(&r, &major, &n) || major != 5) return;
  for (uint64_t k = 0; k < n; k++) {
    char key[2];
    if (cbor_text(&r, key, 1)) return;
    if (key[0] == 'b') {
      if (cbor_text(&r, b, COLONY_OTA_BUNDLE_ID_MAX)) return;
    } else if (key[0] == 'i') {
      if (cbor_head(&r, &major, &index) || major != 0) return;
    } else if (key[0] == 'd' || key[0] == 'h') {
      uint64_t len;
      if (cbor_head(&r, &major, &len) || major != 2 || len > bn - r.at) return;
      if (key[0] == 'd') data_at = r.at, data_len = (uint32_t)len;
      else if (len == 32) memcpy(hash, body + r.at, 32), have_h = 1;
      r.at += (uint32_t)len;
    } else if (cbor_skip(&r)) return;
  }
  if (strcmp(b, d->bundle) || index >= count(d) || !have_h) return;
  uint32_t i = (uint32_t)index, want = i + 1 < count(d) ? d->chunk : d->size - i * d->chunk;
  d->inflight[i >> 3] &= (uint8_t)~(1u << (i & 7));
  colony_sha256(body + data_at, data_len, sha);
  if (data_len != want || memcmp(sha, hash, 32)) return; /* garbled: asked again */
  if (!has(d->target, i)) {
    if (colony_slots_stage_chunk(d->target, i, body + data_at, data_len)) return;
    d->silent = 0;
    int got = colony_slots_staged_count(d->target), total = (int)count(d);
    if (got < total && (got * 4 / total) != ((got - 1) * 4 / total)) {
      status_t st = base(d, "downloading");
      st.received = got, st.total = total;
      report(d, d->target, &st);
    }
  }
  if (colony_slots_staged_count(d->target) == (int)count(d)) staged(d);
  else ask(d, now);
}

static void on_job(colony_ota_device_t *d, const uint8_t *body, uint32_t bn, uint64_t now) {
  colony_src_t src = {0, body, 0, bn};
  cbor_rd_t r = {&src, 0, OTA_OK};
  uint8_t major;
  uint64_t n, size = 0, chunk = 0;
  char op[16] = "", rollout[COLONY_OTA_ROLLOUT_MAX + 1] = "", agent[COLONY_OTA_NAME_MAX + 1] = "", version[COLONY_OTA_VERSION_MAX + 1] = "",
       bundle[COLONY_OTA_BUNDLE_ID_MAX + 1] = "", key[16], done[sizeof d->done_key];
  uint8_t sha[32];
  int have_sha = 0;
  if (!bn || cbor_head(&r, &major, &n) || major != 5) return; /* empty: the job was cleared */
  for (uint64_t k = 0; k < n; k++) {
    if (cbor_text(&r, key, sizeof key - 1)) return;
    char *dst = !strcmp(key, "op") ? op : !strcmp(key, "rollout") ? rollout : !strcmp(key, "agent") ? agent : !strcmp(key, "version") ? version : !strcmp(key, "bundle") ? bundle : 0;
    uint32_t cap = dst == op ? sizeof op - 1 : dst == rollout ? COLONY_OTA_ROLLOUT_MAX : dst == agent ? COLONY_OTA_NAME_MAX : dst == version ? COLONY_OTA_VERSION_MAX : COLONY_OTA_BUNDLE_ID_MAX;
    if (dst) {
      if (cbor_text(&r, dst, cap)) return;
    } else if (!strcmp(key, "size") || !strcmp(key, "chunk")) {
      if (cbor_head(&r, &major, key[0] == 's' ? &size : &chunk) || major != 0) return;
    } else if (!strcmp(key, "sha256")) {
      uint64_t len;
      if (cbor_head(&r, &major, &len) || major != 2 || len != 32 || len > bn - r.at) return;
      memcpy(sha, body + r.at, 32), r.at += 32, have_sha = 1;
    } else if (cbor_skip(&r)) return;
  }
  int install = !strcmp(op, "install");
  if ((!install && strcmp(op, "rollback")) || !rollout[0] || !agent[0] || !version[0]) return;
  snprintf(done, sizeof done, "%s/%s", rollout, op);
  if (d->done_len && !strcmp(done, d->done_key)) {
    publish(d, "status", d->done_status, d->done_len, 1); /* a re-delivered job: the same answer */
    return;
  }
  if (d->trial) return; /* a version is in its health window: the retained job comes again on reconnect */
  if (d->active && !strcmp(d->rollout, rollout) && install) {
    ask(d, now); /* delivered again (a reconnect): go on where the transfer is */
    return;
  }
  colony_slots_t *s = 0;
  for (uint32_t i = 0; i < d->nagents; i++)
    if (d->agents[i].running && !strcmp(d->agents[i].bundle.name, agent)) s = &d->agents[i];
  strcpy(d->rollout, rollout), strcpy(d->agent, agent), strcpy(d->version, version);
  d->active = 0;
  status_t st = base(d, "refused");
  char detail[176];
  if (!s) {
    snprintf(detail, sizeof detail, "no agent \"%s\" on %s", agent, d->device);
    st.reason = "wrong-agent", st.detail = detail;
    finish(d, s, op, st);
    return;
  }
  if (!install) {
    st.phase = "rolled-back";
    if (strcmp(colony_slots_version(s), version)) {
      snprintf(detail, sizeof detail, "not running %s", version);
      st.detail = detail;
    } else {
      colony_ota_reason_t e = colony_slots_revert(s, rollout);
      if (e == OTA_FLASH_ERROR) return;
      if (e) st.phase = "refused", st.reason = "install-failed", st.detail = "no older version to roll back to";
      else snprintf(detail, sizeof detail, "operator rollback from %s", version), st.detail = detail;
    }
    finish(d, s, op, st);
    return;
  }
  if (!strcmp(colony_slots_version(s), version)) {
    st.phase = "committed";
    finish(d, s, op, st);
    return;
  }
  if (!strcmp(s->rec.rollout, rollout)) {
    st.phase = "rolled-back", st.reason = "health-check", st.detail = "this rollout was already tried and rolled back";
    finish(d, s, op, st);
    return;
  }
  if (s->rec.floor[0] && colony_semver_valid(version) && colony_semver_compare(version, s->rec.floor) <= 0) {
    snprintf(detail, sizeof detail, "%s is not newer than %s", version, s->rec.floor);
    st.reason = "older-version", st.detail = detail;
    finish(d, s, op, st);
    return;
  }
  if (!have_sha || !bundle[0] || !chunk || !size) return;
  colony_ota_reason_t e = colony_slots_stage(s, bundle, (uint32_t)size, (uint32_t)chunk);
  if (e == OTA_FLASH_ERROR) return;
  if (e) {
    st.reason = colony_ota_reason_name(e), st.detail = "the bundle does not fit this device's slot";
    finish(d, s, op, st);
    return;
  }
  d->active = 1, d->target = s;
  strcpy(d->bundle, bundle);
  d->size = (uint32_t)size, d->chunk = (uint32_t)chunk;
  memcpy(d->sha256, sha, 32);
  memset(d->inflight, 0, sizeof d->inflight);
  d->silent = 0, d->attempts = 0, d->resume_at = 0, d->pending = 0, d->trial = 0;
  status_t dl = base(d, "downloading");
  dl.received = colony_slots_staged_count(s), dl.total = (int)count(d);
  report(d, s, &dl);
  if (dl.received == dl.total) staged(d); /* staged before a reboot */
  else ask(d, now);
}

int colony_ota_device_start(colony_ota_device_t *d) {
  char t[128];
  uint32_t n;
  d->qhead = d->qlen = 0;
  d->active = 0;
  /* the topics the device publishes are registered first, so publishing never waits */
  announce(d);
  if (!(n = topic(t, sizeof t, d, "chunk")) || colony_link_subscribe_raw(t, n)) return -1;
  if (!(n = topic(t, sizeof t, d, "job")) || colony_link_subscribe_raw(t, n)) return -1;
  return 0;
}

void colony_ota_device_message(colony_ota_device_t *d, const char *t, uint32_t tn, const uint8_t *body, uint32_t bn) {
  if (d->qlen == COLONY_OTA_QUEUE || tn >= sizeof d->queue[0].topic || bn > COLONY_OTA_MSG_MAX) {
    d->dropped++; /* a chunk is asked for again; a job is retained */
    return;
  }
  uint32_t k = (d->qhead + d->qlen++) % COLONY_OTA_QUEUE;
  memcpy(d->queue[k].topic, t, tn);
  d->queue[k].topic[tn] = 0;
  d->queue[k].tn = (uint16_t)tn;
  memcpy(d->queue[k].body, body, bn);
  d->queue[k].bn = (uint16_t)bn;
}

void colony_ota_device_poll(colony_ota_device_t *d, uint64_t now, const char *busy) {
  char job[128], chunk[128];
  busy_agent = busy;
  now_cache = now;
  topic(job, sizeof job, d, "job");
  topic(chunk, sizeof chunk, d, "chunk");
  while (d->qlen) {
    uint32_t k = d->qhead;
    d->qhead = (d->qhead + 1) % COLONY_OTA_QUEUE;
    d->qlen--;
    if (!strcmp(d->queue[k].topic, chunk)) on_chunk(d, d->queue[k].body, d->queue[k].bn, now);
    else if (!strcmp(d->queue[k].topic, job)) on_job(d, d->queue[k].body, d->queue[k].bn, now);
  }
  if (!d->active) return;
  if (d->trial) {
    if (now >= d->trial_until) judge(d);
    return;
  }
  if (d->pending) {
    staged(d);
    return;
  }
  if (d->resume_at) {
    if (now < d->resume_at) return;
    d->resume_at = 0;
    memset(d->inflight, 0, sizeof d->inflight);
    ask(d, now);
    return;
  }
  if (now - d->last_heard < RETRY_MS) return;
  if (++d->silent > MAX_SILENT) {
    /* the link is down: keep what arrived, try again later, give up after MAX_ATTEMPTS */
    d->silent = 0;
    if (++d->attempts >= MAX_ATTEMPTS) {
      status_t st = base(d, "refused");
      st.reason = "transfer-failed", st.detail = "no chunks after repeated attempts";
      finish(d, d->target, "install", st);
      return;
    }
    d->resume_at = now + RESUME_MS;
    return;
  }
  memset(d->inflight, 0, sizeof d->inflight); /* what was asked for is presumed lost */
  ask(d, now);
}
