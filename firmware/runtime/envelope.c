/* Seals and opens the link's envelopes (envelope.h; docs/protocol.md). The
 * CBOR here is the little the envelope needs: a map with text keys whose values
 * are unsigned integers, text and byte strings. The signed bytes are rebuilt in
 * shortest form, as every implementation rebuilds them. */
#include <string.h>
#include "envelope.h"
#include "../crypto/crypto.h"

static const char BUS_KIND[] = "bus.msg";
static const char GONE_KIND[] = "presence.gone";
static colony_peer_t peers[COLONY_MAX_PEERS];
static uint64_t last_seq;
static uint32_t refused;
static uint8_t signed_buf[1200];

uint64_t colony_envelope_last_seq(void) { return last_seq; }
uint32_t colony_envelope_refused(void) { return refused; }

/* ---------- writing ---------- */

typedef colony_cbor_wr_t wr_t;
/* an unsigned integer: always the shortest head (RFC 8949 4.2.1), also at 2^32 and
 * above, as host/net's envelope writes seq and ts; the signed bytes depend on it */
static void num(wr_t *w, uint64_t v) { colony_cbor_head(w, 0, v); }
static void key(wr_t *w, const char *k) { colony_cbor_text(w, k, (uint32_t)strlen(k)); }

/* the CBOR array [v, from, seq, ts, kind, body] the signature covers */
static int32_t signed_bytes(uint64_t v, const char *from, uint32_t fn, uint64_t seq, uint64_t ts, const char *kind, uint32_t kn, const uint8_t *body, uint32_t bn) {
  wr_t w = {signed_buf, 0, sizeof signed_buf, 0};
  colony_cbor_head(&w, 4, 6);
  num(&w, v);
  colony_cbor_text(&w, from, fn);
  num(&w, seq);
  num(&w, ts);
  colony_cbor_text(&w, kind, kn);
  colony_cbor_bytes(&w, body, bn);
  return w.over ? -1 : (int32_t)w.n;
}

int32_t colony_envelope_seal_kind(const colony_envelope_t *e, const char *kind, uint32_t kn, const uint8_t *body, uint32_t bn, uint8_t *out, uint32_t cap) {
  const char *from = colony_config.device_id;
  uint32_t fn = (uint32_t)strlen(from);
  if (!last_seq) last_seq = e->seq_base;
  uint64_t seq = last_seq + 1, ts = colony_now();
  int32_t sn = signed_bytes(COLONY_ENVELOPE_VERSION, from, fn, seq, ts, kind, kn, body, bn);
  if (sn < 0) return COLONY_ENOSPACE;
  uint8_t sig[64];
  colony_ed25519_sign(sig, signed_buf, (size_t)sn, e->seed, e->pub);
  wr_t w = {out, 0, cap, 0};
  colony_cbor_head(&w, 5, 7);
  key(&w, "v"); colony_cbor_head(&w, 0, COLONY_ENVELOPE_VERSION);
  key(&w, "from"); colony_cbor_text(&w, from, fn);
  key(&w, "seq"); num(&w, seq);
  key(&w, "ts"); num(&w, ts);
  key(&w, "kind"); colony_cbor_text(&w, kind, kn);
  key(&w, "body"); colony_cbor_bytes(&w, body, bn);
  key(&w, "sig"); colony_cbor_bytes(&w, sig, 64);
  if (w.over) return COLONY_ENOSPACE;
  last_seq = seq; /* only a sealed envelope uses its number */
  return (int32_t)w.n;
}

int32_t colony_envelope_seal(const colony_envelope_t *e, const char *agent, const uint8_t *data, uint32_t dn, uint8_t *out, uint32_t cap) {
  static uint8_t body[1100];
  /* body { agent, data }, the keys in the order host/net writes them */
  wr_t b = {body, 0, sizeof body, 0};
  colony_cbor_head(&b, 5, 2);
  key(&b, "agent"); colony_cbor_text(&b, agent, (uint32_t)strlen(agent));
  key(&b, "data"); colony_cbor_bytes(&b, data, dn);
  if (b.over) return COLONY_ENOSPACE;
  return colony_envelope_seal_kind(e, BUS_KIND, sizeof BUS_KIND - 1, body, b.n, out, cap);
}

/* ---------- reading ---------- */

/* an unsigned integer up to 2^53 - 1 (what the host's numbers hold exactly) */
static int rnum(colony_cbor_rd_t *r, uint64_t *out) {
  uint8_t major; uint64_t v;
  if (!colony_cbor_read_head(r, &major, &v) || major != 0 || v > 0x1fffffffffffffULL) return 0;
  *out = v;
  return 1;
}
/* a text or byte string: its bytes in place */
static int rstring(colony_cbor_rd_t *r, uint8_t want, const uint8_t **s, uint32_t *sn) {
  uint8_t major; uint64_t v;
  if (!colony_cbor_read_head(r, &major, &v) || major != want || v > r->n - r->at) return 0;
  *s = r->p + r->at; *sn = (uint32_t)v; r->at += (uint32_t)v;
  return 1;
}

typedef struct { char *p; uint32_t n, cap; } why_t;
static void say(why_t *w, const char *s, uint32_t n) { while (n-- && *s && w->n + 1 < w->cap) w->p[w->n++] = *s++; if (w->cap) w->p[w->n] = 0; }
static void says(why_t *w, const char *s) { say(w, s, 0xffffffffu); }
static void sayu(why_t *w, uint64_t v) { char b[24]; int i = 24; do b[--i] = (char)('0' + v % 10); while (v /= 10); say(w, b + i, (uint32_t)(24 - i)); }

static int32_t refuse(why_t *w, const char *problem, const char *detail) {
  refused++;
  w->n = 0;
  says(w, problem); says(w, ": "); says(w, detail);
  return COLONY_EINVALID;
}

/* The sender's slot, or for a sender not seen yet a candidate (not kept): it
 * takes a slot only once its envelope verifies, so forgeries under made-up ids
 * cannot fill the table. NULL: no key for this id. */
static colony_peer_t candidate;
static colony_peer_t *peer_for(const colony_envelope_t *e, const uint8_t *id, uint32_t n) {
  for (int i = 0; i < COLONY_MAX_PEERS; i++)
    if (peers[i].used && peers[i].id_len == n && memcmp(peers[i].id, id, n) == 0) return &peers[i];
  if (n >= COLONY_PEER_ID_MAX) return NULL;
  colony_peer_t *c = &candidate;
  memset(c, 0, sizeof *c);
  for (int i = 0; i < e->n_trusted; i++)
    if (strlen(e->trusted_ids[i]) == n && memcmp(e->trusted_ids[i], id, n) == 0) {
      memcpy(c->pub, e->trusted_keys[i], 32);
      goto found;
    }
  if (!e->derive_prefix) return NULL;
  /* as host/sim/network.ts: ids of letters, digits, '_' and '-', not starting with either */
  for (uint32_t i = 0; i < n; i++) {
    uint8_t ch = id[i];
    int alnum = (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z');
    if (!alnum && (i == 0 || (ch != '_' && ch != '-'))) return NULL;
  }
  {
    uint8_t seed[32];
    colony_sha256_t h;
    colony_sha256_init(&h);
    colony_sha256_update(&h, (const uint8_t *)e->derive_prefix, strlen(e->derive_prefix));
    colony_sha256_update(&h, id, n);
    colony_sha256_final(&h, seed);
    colony_ed25519_public(c->pub, seed);
    c->derived = 1;
  }
found:
  memcpy(c->id, id, n);
  c->id_len = (uint8_t)n;
  return c;
}

/* a verified sender takes a slot: NULL when all are taken (its replay window could not be kept) */
static colony_peer_t *keep(colony_peer_t *p) {
  if (p != &candidate) return p;
  for (int i = 0; i < COLONY_MAX_PEERS; i++)
    if (!peers[i].used) { peers[i] = candidate; peers[i].used = 1; return &peers[i]; }
  return NULL;
}

/* the IPsec-style window of host/net/replay.ts: each seq once, none at or below highest - window */
static int fresh(colony_peer_t *p, uint64_t seq) {
  if (seq > p->highest) {
    uint64_t shift = seq - p->highest;
    p->seen = shift >= 64 ? 0 : p->seen << shift;
    p->seen |= 1;
    p->highest = seq;
    return 1;
  }
  uint64_t back = p->highest - seq;
  if (back >= COLONY_REPLAY_WINDOW || (p->seen >> back) & 1) return 0;
  p->seen |= (uint64_t)1 << back;
  return 1;
}

static colony_peer_t self; /* this device's own envelopes, when a caller opens them (coord.c) */

int32_t colony_envelope_open_any(const colony_envelope_t *e, const uint8_t *env, uint32_t n, unsigned flags, colony_opened_t *o, char *why_buf, uint32_t why_cap) {
  why_t why = {why_buf, 0, why_cap};
  colony_cbor_rd_t r = {env, n, 0};
  uint8_t major; uint64_t count;
  if (colony_cbor_item_len(env, n) != (int32_t)n || n == 0) return refuse(&why, "malformed-cbor", "not one well-formed CBOR item");
  if (!colony_cbor_read_head(&r, &major, &count) || major != 5) return refuse(&why, "not-a-map", "top-level item is not a definite-length map");
  uint64_t v = 0, seq = 0, ts = 0;
  const uint8_t *from = NULL, *kind = NULL, *body = NULL, *sig = NULL;
  uint32_t fn = 0, kn = 0, bn = 0, sgn = 0;
  uint8_t have = 0; /* bits: v from seq ts kind body sig */
  for (uint64_t i = 0; i < count; i++) {
    const uint8_t *k; uint32_t kl;
    if (!rstring(&r, 3, &k, &kl)) return refuse(&why, "bad-field", "a key is not text");
#define IS(name) (kl == sizeof name - 1 && memcmp(k, name, kl) == 0)
    if (IS("v") || IS("seq") || IS("ts")) {
      uint64_t x;
      if (!rnum(&r, &x)) {
        return refuse(&why, "bad-field", IS("v") ? "field v must be an unsigned integer" : IS("seq") ? "field seq must be an unsigned integer" : "field ts must be an unsigned integer");
      }
      if (IS("v")) { v = x; have |= 1; } else if (IS("seq")) { seq = x; have |= 4; } else { ts = x; have |= 8; }
    } else if (IS("from") || IS("kind")) {
      const uint8_t *s; uint32_t sl;
      if (!rstring(&r, 3, &s, &sl) || sl == 0) return refuse(&why, "bad-field", IS("from") ? "field from must be non-empty text" : "field kind must be non-empty text");
      if (IS("from")) { from = s; fn = sl; have |= 2; } else { kind = s; kn = sl; have |= 16; }
    } else if (IS("body") || IS("sig")) {
      const uint8_t *s; uint32_t sl;
      if (!rstring(&r, 2, &s, &sl)) return refuse(&why, "bad-field", IS("body") ? "field body must be a byte string" : "field sig must be a byte string");
      if (IS("body")) { body = s; bn = sl; have |= 32; } else { sig = s; sgn = sl; have |= 64; }
    } else {
      int32_t skip = colony_cbor_item_len(env + r.at, n - r.at); /* a field this version does not read */
      if (skip < 0) return refuse(&why, "malformed-cbor", "an unknown field's value");
      r.at += (uint32_t)skip;
    }
#undef IS
  }
  static const char *const names[] = {"v", "from", "seq", "ts", "kind", "body", "sig"};
  for (int b = 0; b < 7; b++)
    if (!(have >> b & 1)) { why.n = 0; refused++; says(&why, "bad-field: field "); says(&why, names[b]); says(&why, " is missing"); return COLONY_EINVALID; }
  o->from = from; o->fn = fn; o->kind = kind; o->kn = kn; o->body = body; o->bn = bn;
  /* our own envelope, back from the broker: a bus.msg's agents had it on the local bus
   * already; coord.c asks for its own coordination envelopes, as the host delivers them */
  int own = fn == strlen(colony_config.device_id) && memcmp(from, colony_config.device_id, fn) == 0;
  if (own && !(flags & COLONY_OPEN_OWN)) return 1;
  if (v != COLONY_ENVELOPE_VERSION) { refused++; says(&why, "unsupported-version: v="); sayu(&why, v); return COLONY_EINVALID; }
  if (seq == 0) return refuse(&why, "bad-field", "field seq must be >= 1");
  colony_peer_t *p = own ? &self : peer_for(e, from, fn);
  if (own) memcpy(self.pub, e->pub, 32);
  if (!p) { refused++; says(&why, "unknown-sender: no key for device \""); say(&why, (const char *)from, fn); says(&why, "\""); return COLONY_EDENIED; }
  int32_t sn = signed_bytes(v, (const char *)from, fn, seq, ts, (const char *)kind, kn, body, bn);
  if (sn < 0 || sgn != 64 || !colony_ed25519_verify(sig, signed_buf, (size_t)sn, p->pub)) {
    refused++; says(&why, "bad-signature: "); say(&why, (const char *)from, fn); says(&why, "#"); sayu(&why, seq); says(&why, " does not verify");
    return COLONY_EDENIED;
  }
  if (!own) p = keep(p);
  if (!p) { refused++; says(&why, "unknown-sender: no room to remember \""); say(&why, (const char *)from, fn); says(&why, "\" (16 senders)"); return COLONY_EDENIED; }
  /* only an authentic envelope moves the window, so forgeries cannot block real traffic */
  /* a presence.gone may be a will sealed long before: the host opens it without the window (host/net/inbox.ts) */
  int idem = (flags & COLONY_OPEN_GONE_IDEMPOTENT) && kn == sizeof GONE_KIND - 1 && memcmp(kind, GONE_KIND, kn) == 0;
  if (!idem && !fresh(p, seq)) { refused++; says(&why, "replay: "); say(&why, (const char *)from, fn); says(&why, "#"); sayu(&why, seq); says(&why, " already seen or older than the window"); return COLONY_EDENIED; }
  if (colony_cbor_item_len(body, bn) != (int32_t)bn || bn == 0) return refuse(&why, "malformed-body", "body is not one CBOR item");
  return own;
}

int32_t colony_envelope_open(const colony_envelope_t *e, const uint8_t *env, uint32_t n, const uint8_t **data, uint32_t *dn, char *why_buf, uint32_t why_cap) {
  colony_opened_t o;
  int32_t r = colony_envelope_open_any(e, env, n, 0, &o, why_buf, why_cap);
  return r == 0 ? colony_envelope_bus_body(&o, data, dn, why_buf, why_cap) : r;
}

int32_t colony_envelope_bus_body(const colony_opened_t *o, const uint8_t **data, uint32_t *dn, char *why_buf, uint32_t why_cap) {
  why_t why = {why_buf, 0, why_cap};
  const uint8_t *kind = o->kind, *body = o->body;
  uint32_t kn = o->kn, bn = o->bn;
  uint8_t major; uint64_t count;
  /* bus.msg: { agent: text, data: bytes } (host/coordination/agentport.ts) */
  if (kn != sizeof BUS_KIND - 1 || memcmp(kind, BUS_KIND, kn) != 0) { refused++; says(&why, "not-bus-msg: kind "); say(&why, (const char *)kind, kn); return COLONY_EINVALID; }
  colony_cbor_rd_t b = {body, bn, 0};
  uint8_t got = 0;
  if (!colony_cbor_read_head(&b, &major, &count) || major != 5) return refuse(&why, "not-bus-msg", "body is not a map");
  for (uint64_t i = 0; i < count; i++) {
    const uint8_t *k, *s; uint32_t kl, sl;
    if (!rstring(&b, 3, &k, &kl)) return refuse(&why, "not-bus-msg", "a body key is not text");
    if (kl == 5 && memcmp(k, "agent", 5) == 0) { if (!rstring(&b, 3, &s, &sl)) return refuse(&why, "not-bus-msg", "agent is not text"); got |= 1; }
    else if (kl == 4 && memcmp(k, "data", 4) == 0) { if (!rstring(&b, 2, &s, &sl)) return refuse(&why, "not-bus-msg", "data is not bytes"); *data = s; *dn = sl; got |= 2; }
    else { int32_t skip = colony_cbor_item_len(body + b.at, bn - b.at); if (skip < 0) return refuse(&why, "not-bus-msg", "body"); b.at += (uint32_t)skip; }
  }
  if (got != 3) return refuse(&why, "not-bus-msg", "body needs agent and data");
  return 0;
}
