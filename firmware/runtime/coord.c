/* CoordBusPort's rules on the device (coord.h). The host decodes an agent's map and
 * encodes it again with cbor-x before sealing; so does this file, in one pass over the
 * bytes: integers stay integers up to 2^32 - 1 (down to -2^32), larger ones and floats
 * become float64 unless the float is such an integer, strings and maps get the
 * shortest heads, indefinite lengths become definite. Tags and simple values other
 * than false/true/null/undefined are copied as they are, and so are map keys (cbor-x
 * would turn a key that is not text into text, and put integer-like keys first). */
#include <string.h>
#include "coord.h"

#define BUF 1100
#define MAX_DEPTH 16

static const char DEVICE[] = "$device";
static const char BUS_KIND[] = "bus.msg";
static const struct { const char *kind; uint8_t retain; } KINDS[] = {
  {"presence.beat", 1}, {"presence.gone", 1}, {"leader.claim", 1}, {"leader.resign", 1},
  {"lease.acquire", 0}, {"lease.release", 0}, {"lease.state", 1},
};
#define N_KINDS (sizeof KINDS / sizeof KINDS[0])
static uint32_t refused[COLONY_COORD_REASONS];
/* one buffer both ways: what it holds is sealed or queued on the bus before the next use */
static uint8_t buf[BUF];

uint32_t colony_coord_refused(int reason) { return reason >= 0 && reason < COLONY_COORD_REASONS ? refused[reason] : 0; }

static int is(const uint8_t *s, uint32_t n, const char *lit) { return strlen(lit) == n && memcmp(s, lit, n) == 0; }

int colony_coord_topic(const char *rel, uint32_t rn) {
  return (rn == 5 && memcmp(rel, "coord", 5) == 0) || (rn > 5 && memcmp(rel, "coord/", 6) == 0);
}

uint32_t colony_coord_device_topic(const char *rel, uint32_t rn, char *out, uint32_t cap) {
  const char *id = colony_config.device_id;
  uint32_t idn = (uint32_t)strlen(id), n = 0, i = 0;
  for (;;) {
    uint32_t e = i;
    while (e < rn && rel[e] != '/') e++;
    int dev = is((const uint8_t *)rel + i, e - i, DEVICE);
    const char *l = dev ? id : rel + i;
    uint32_t ln = dev ? idn : e - i;
    if (n + ln + 1 > cap) return 0;
    memcpy(out + n, l, ln);
    n += ln;
    if (e >= rn) return n;
    out[n++] = '/';
    i = e + 1;
  }
}

/* ---------- CBOR as cbor-x writes it ---------- */

typedef colony_cbor_wr_t wr_t;
typedef struct { const uint8_t *p; uint32_t n, at; } rd_t;

/* a JavaScript number: an integer in [-2^32, 2^32 - 1] as an integer, anything else float64 */
static void number(wr_t *w, double d) {
  if (d == d && d >= -4294967296.0 && d <= 4294967295.0 && d == (double)(int64_t)d) {
    int64_t i = (int64_t)d;
    if (i >= 0) colony_cbor_head(w, 0, (uint64_t)i); else colony_cbor_head(w, 1, (uint64_t)(-1 - i));
    return;
  }
  uint64_t bits = 0x7ff8000000000000ULL; /* V8's NaN */
  if (d == d) memcpy(&bits, &d, 8);
  uint8_t b[9] = {0xfb};
  for (int i = 0; i < 8; i++) b[1 + i] = (uint8_t)(bits >> (56 - 8 * i));
  colony_cbor_put(w, b, 9);
}
static double half(uint16_t h) {
  int e = (h >> 10) & 31, m = h & 1023;
  double v = e == 0 ? m / 16777216.0 : e == 31 ? (m ? __builtin_nan("") : __builtin_inf()) : (1024 + m) * (double)(1u << e) / 33554432.0;
  return h & 0x8000 ? -v : v;
}

/* one head; *indef for an indefinite-length array or map (the caller checked well-formedness) */
static void rhead(rd_t *r, uint8_t *major, uint8_t *info, uint64_t *v, int *indef) {
  uint8_t ib = r->p[r->at++];
  *major = ib >> 5; *info = ib & 31; *v = *info; *indef = *info == 31;
  if (*info >= 24 && *info <= 27) {
    uint32_t len = 1u << (*info - 24);
    *v = 0;
    for (uint32_t i = 0; i < len; i++) *v = *v << 8 | r->p[r->at++];
  }
}
static uint32_t skip(rd_t *r) {
  uint32_t at = r->at;
  r->at += (uint32_t)colony_cbor_item_len(r->p + r->at, r->n - r->at);
  return at;
}
/* items in an array or map (pairs for a map) from here to its end: for indefinite lengths */
static uint64_t count_to_break(rd_t r, int map) {
  uint64_t c = 0;
  while (r.p[r.at] != 0xff) { skip(&r); if (map) skip(&r); c++; }
  return c;
}
static int more(rd_t *r, uint64_t i, uint64_t count, int indef) {
  if (!indef) return i < count;
  if (r->p[r->at] == 0xff) { r->at++; return 0; }
  return 1;
}

static void norm(rd_t *r, wr_t *w, int depth) {
  uint32_t start = r->at;
  uint8_t major, info; uint64_t v; int indef;
  if (depth > MAX_DEPTH) { w->over = 1; return; }
  rhead(r, &major, &info, &v, &indef);
  switch (major) {
    case 0: if (v <= 0xffffffffu) colony_cbor_head(w, 0, v); else number(w, (double)v); return;
    case 1: if (v <= 0xffffffffu) colony_cbor_head(w, 1, v); else number(w, -1.0 - (double)v); return;
    case 2: case 3: colony_cbor_head(w, major, v); colony_cbor_put(w, r->p + r->at, (uint32_t)v); r->at += (uint32_t)v; return;
    case 4: case 5: {
      uint64_t count = indef ? count_to_break(*r, major == 5) : v;
      colony_cbor_head(w, major, count);
      for (uint64_t i = 0; more(r, i, v, indef); i++) { norm(r, w, depth + 1); if (major == 5) norm(r, w, depth + 1); }
      return;
    }
    case 6: r->at = start; skip(r); colony_cbor_put(w, r->p + start, r->at - start); return;
    default:
      if (info == 25) number(w, half((uint16_t)v));
      else if (info == 26) { uint32_t b = (uint32_t)v; float f; memcpy(&f, &b, 4); number(w, f); }
      else if (info == 27) { double d; memcpy(&d, &v, 8); number(w, d); }
      else colony_cbor_put(w, r->p + start, r->at - start);
  }
}

/* a map's head: 0 when the item is not a map */
static int map_head(rd_t *r, uint64_t *count, int *indef) {
  uint8_t major, info;
  if (r->p[r->at] >> 5 != 5) return 0;
  rhead(r, &major, &info, count, indef);
  return 1;
}
/* a text item at r: its bytes, without moving r; NULL when it is not text */
static const uint8_t *peek_text(const rd_t *r, uint32_t *n) {
  rd_t c = *r;
  uint8_t major, info; uint64_t v; int indef;
  rhead(&c, &major, &info, &v, &indef);
  if (major != 3) return NULL;
  *n = (uint32_t)v;
  return c.p + c.at;
}

/* ---------- out ---------- */

static int32_t refuse(int reason, const char *agent, const char *rel, uint32_t rn, const char *what, const uint8_t *s, uint32_t sn) {
  refused[reason]++;
  colony_printf("agent message refused: %s/%s on %.*s: %s%.*s\n", colony_config.device_id, agent, (int)rn, rel, what, (int)sn, (const char *)s);
  return reason == COLONY_COORD_TOO_LARGE ? COLONY_ENOSPACE : COLONY_EINVALID;
}

int32_t colony_coord_seal(const colony_envelope_t *e, const char *agent, const char *rel, uint32_t rn, const uint8_t *body, uint32_t bn,
                          char *topic, uint32_t topic_cap, uint32_t *tn, int *retain, uint8_t *out, uint32_t cap) {
  const char *id = colony_config.device_id;
  if (bn == 0 || colony_cbor_item_len(body, bn) != (int32_t)bn) return refuse(COLONY_COORD_MALFORMED_BODY, agent, rel, rn, "the body is not one well-formed CBOR item", NULL, 0);
  rd_t r = {body, bn, 0};
  uint64_t count; int indef;
  if (!map_head(&r, &count, &indef)) return refuse(COLONY_COORD_NOT_A_MAP, agent, rel, rn, "the body must be a CBOR map", NULL, 0);
  /* first pass: the kind (the last `kind` key, as a decoded object keeps it) and how many fields remain */
  rd_t first = r;
  const uint8_t *kind = NULL; uint32_t kn = 0; int have_kind = 0;
  uint64_t rest = 0;
  for (uint64_t i = 0; more(&first, i, count, indef); i++) {
    const uint8_t *k; uint32_t kl;
    k = peek_text(&first, &kl);
    skip(&first);
    if (k && is(k, kl, "kind")) { have_kind = 1; kind = peek_text(&first, &kn); }
    else rest++;
    skip(&first);
  }
  int spec = -1;
  for (uint32_t i = 0; kind && i < N_KINDS; i++) if (is(kind, kn, KINDS[i].kind)) spec = (int)i;
  if (spec < 0) {
    refused[COLONY_COORD_BAD_KIND]++;
    colony_printf("agent message refused: %s/%s on %.*s: kind ", id, agent, (int)rn, rel);
    if (kind) colony_printf("\"%.*s\"", (int)kn, (const char *)kind); else colony_printf(have_kind ? "(not text)" : "undefined");
    colony_printf(" is not one an agent may send (presence.beat, presence.gone, leader.claim, leader.resign, lease.acquire, lease.release, lease.state)\n");
    return COLONY_EINVALID;
  }
  *tn = colony_coord_device_topic(rel, rn, topic, topic_cap);
  if (!*tn) return refuse(COLONY_COORD_TOO_LARGE, agent, rel, rn, "topic too long with the device id", NULL, 0);
  if (memcmp(KINDS[spec].kind, "presence.", 9) == 0) {
    static char own[96];
    uint32_t on = colony_coord_device_topic("coord/presence/$device", 22, own, sizeof own);
    if (*tn != on || memcmp(topic, own, on) != 0) {
      refused[COLONY_COORD_BAD_TOPIC]++;
      colony_printf("agent message refused: %s/%s: %s only on coord/presence/$device, not %.*s\n", id, agent, KINDS[spec].kind, (int)rn, rel);
      return COLONY_EINVALID;
    }
  }
  /* second pass: the map without kind, "$device" values replaced */
  wr_t w = {buf, 0, sizeof buf, 0};
  colony_cbor_head(&w, 5, rest);
  for (uint64_t i = 0; more(&r, i, count, indef); i++) {
    const uint8_t *k, *val; uint32_t kl, vl;
    k = peek_text(&r, &kl);
    if (k && is(k, kl, "kind")) { skip(&r); skip(&r); continue; }
    norm(&r, &w, 1);
    val = peek_text(&r, &vl);
    if (val && is(val, vl, DEVICE)) { skip(&r); colony_cbor_text(&w, id, (uint32_t)strlen(id)); }
    else norm(&r, &w, 1);
  }
  if (w.over) return refuse(COLONY_COORD_TOO_LARGE, agent, rel, rn, "the body is too large or too deep", NULL, 0);
  *retain = KINDS[spec].retain;
  int32_t sn = colony_envelope_seal_kind(e, KINDS[spec].kind, (uint32_t)strlen(KINDS[spec].kind), buf, w.n, out, cap);
  if (sn < 0) return refuse(COLONY_COORD_TOO_LARGE, agent, rel, rn, "too large to seal", NULL, 0);
  return sn;
}

/* ---------- in ---------- */

int32_t colony_coord_open(const colony_envelope_t *e, const char *rel, uint32_t rn, const uint8_t *env, uint32_t n,
                          const uint8_t **data, uint32_t *dn, char *why, uint32_t why_cap) {
  colony_opened_t o;
  /* presence topics are opened with presence.gone outside the window (wills), as the host subscribes them */
  static const char presence[] = "coord/presence/";
  int on_presence = rn > sizeof presence - 1 && memcmp(rel, presence, sizeof presence - 1) == 0 && !memchr(rel + sizeof presence - 1, '/', rn - (sizeof presence - 1));
  int32_t r = colony_envelope_open_any(e, env, n, COLONY_OPEN_OWN | (on_presence ? COLONY_OPEN_GONE_IDEMPOTENT : 0), &o, why, why_cap);
  if (r < 0) return r;
  if (is(o.kind, o.kn, BUS_KIND)) return r == 1 ? 1 : colony_envelope_bus_body(&o, data, dn, why, why_cap);
  int spec = -1;
  for (uint32_t i = 0; i < N_KINDS; i++) if (is(o.kind, o.kn, KINDS[i].kind)) spec = (int)i;
  rd_t b = {o.body, o.bn, 0};
  uint64_t count; int indef;
  if (spec < 0 || !map_head(&b, &count, &indef)) return 1; /* the host hands agents nothing else */
  /* { ...body, kind, from, me }: a field of those names keeps its place with the new value */
  const char *id = colony_config.device_id;
  const char *names[3] = {"kind", "from", "me"};
  const uint8_t *vals[3] = {o.kind, o.from, (const uint8_t *)id};
  uint32_t lens[3] = {o.kn, o.fn, (uint32_t)strlen(id)};
  int present[3] = {0, 0, 0};
  uint64_t total = 0;
  rd_t first = b;
  for (uint64_t i = 0; more(&first, i, count, indef); i++) {
    uint32_t kl; const uint8_t *k = peek_text(&first, &kl);
    int dup = 0;
    for (int j = 0; j < 3; j++) if (k && is(k, kl, names[j])) { dup = present[j]; present[j] = 1; }
    if (!dup) total++;
    skip(&first); skip(&first);
  }
  wr_t w = {buf, 0, sizeof buf, 0};
  colony_cbor_head(&w, 5, total + !present[0] + !present[1] + !present[2]);
  int written[3] = {0, 0, 0};
  for (uint64_t i = 0; more(&b, i, count, indef); i++) {
    uint32_t kl; const uint8_t *k = peek_text(&b, &kl);
    int j = 0;
    while (j < 3 && !(k && is(k, kl, names[j]))) j++;
    if (j < 3) {
      skip(&b); skip(&b);
      if (!written[j]) { colony_cbor_text(&w, names[j], (uint32_t)strlen(names[j])); colony_cbor_text(&w, (const char *)vals[j], lens[j]); written[j] = 1; }
      continue;
    }
    norm(&b, &w, 1);
    norm(&b, &w, 1);
  }
  for (int j = 0; j < 3; j++) if (!present[j]) { colony_cbor_text(&w, names[j], (uint32_t)strlen(names[j])); colony_cbor_text(&w, (const char *)vals[j], lens[j]); }
  if (w.over) {
    uint32_t k = 0;
    const char *m = "malformed-body: too large or too deep to hand to agents";
    while (m[k] && k + 1 < why_cap) { why[k] = m[k]; k++; }
    if (why_cap) why[k] = 0;
    return COLONY_ENOSPACE;
  }
  *data = buf; *dn = w.n;
  return 0;
}
