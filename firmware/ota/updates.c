/* The site's update rules (ota.h), decision for decision as host/governance/updates.ts: the
 * publisher first, then capabilities the running manifest does not grant, then topics it does
 * not publish or subscribe (a topic rule names the topic, for publish and subscribe alike).
 * Both manifests are read where they are (flash or RAM), one string at a time: no copies. */
#include <string.h>
#include "ota_cbor.h"

/* a text string in a manifest */
typedef struct { const colony_src_t *src; uint32_t off, len; } span_t;

/* the array under `field` in a manifest: the reader sits on its first item */
typedef struct { cbor_rd_t r; uint64_t left; int indefinite; } list_t;

static colony_src_t manifest_of(const colony_src_t *bundle, const colony_bundle_t *b) {
  colony_src_t m = {bundle->flash, bundle->flash ? 0 : bundle->mem + b->manifest_off, bundle->flash ? bundle->off + b->manifest_off : 0, b->manifest_len};
  return m;
}

/* 1 when the manifest's (last) `field` is an array, as a JS object keeps the last of a
 * repeated key; anything else is no list, as the host's strings() makes of it */
static int list_open(list_t *l, const colony_src_t *m, const char *field) {
  cbor_rd_t r = {m, 0, OTA_OK};
  uint8_t major;
  uint64_t count;
  uint32_t found = 0;
  int have = 0;
  if (cbor_head(&r, &major, &count) || major != 5) return 0;
  for (uint64_t i = 0; i < count; i++) {
    char key[16];
    uint32_t at = r.at;
    if (cbor_text(&r, key, sizeof key - 1)) {
      if (r.err) return 0;
      r.at = at; /* not text, or longer than any field read here: skipped whole */
      if (cbor_skip(&r)) return 0;
    } else if (!strcmp(key, field)) found = r.at, have = 1;
    if (cbor_skip(&r)) return 0;
  }
  if (!have) return 0;
  l->r.src = m, l->r.at = found, l->r.err = OTA_OK;
  uint8_t ib;
  if (colony_src_read(m, found, &ib, 1)) return 0;
  if (ib == 0x9f) {
    l->indefinite = 1, l->left = 0, l->r.at++;
    return 1;
  }
  l->indefinite = 0;
  return !cbor_head(&l->r, &major, &l->left) && major == 4;
}

/* the list's next text item; other items are skipped (strings() keeps only strings) */
static int list_next(list_t *l, span_t *t) {
  for (;;) {
    uint8_t major, ib;
    uint64_t n;
    if (l->indefinite) {
      if (colony_src_read(l->r.src, l->r.at, &ib, 1) || ib == 0xff) return 0;
    } else if (!l->left) return 0;
    else l->left--;
    uint32_t at = l->r.at;
    if (cbor_head(&l->r, &major, &n)) return 0;
    if (major == 3 && n <= l->r.src->size - l->r.at) {
      t->src = l->r.src, t->off = l->r.at, t->len = (uint32_t)n;
      l->r.at += (uint32_t)n;
      return 1;
    }
    l->r.at = at;
    if (cbor_skip(&l->r)) return 0;
  }
}

static int span_eq(const span_t *a, const uint8_t *s, const span_t *b, uint32_t n) {
  uint8_t x[32], y[32];
  if (a->len != n) return 0;
  for (uint32_t at = 0; at < n; at += sizeof x) {
    uint32_t k = n - at < sizeof x ? n - at : (uint32_t)sizeof x;
    if (colony_src_read(a->src, a->off + at, x, k)) return 0;
    if (b && colony_src_read(b->src, b->off + at, y, k)) return 0;
    if (memcmp(x, b ? y : s + at, k)) return 0;
  }
  return 1;
}
static int same(const span_t *a, const span_t *b) { return span_eq(a, 0, b, b->len); }
static int is(const span_t *a, const char *s) { return span_eq(a, (const uint8_t *)s, 0, (uint32_t)strlen(s)); }

/* 1 when the manifest's `field` lists t */
static int lists(const colony_src_t *m, const char *field, const span_t *t) {
  list_t l;
  span_t x;
  if (!list_open(&l, m, field)) return 0;
  while (list_next(&l, &x))
    if (same(&x, t)) return 1;
  return 0;
}

static int allowed(const char *const *names, int16_t n, const span_t *t) {
  if (n < 0) return 1;
  for (int16_t i = 0; i < n; i++)
    if (is(t, names[i])) return 1;
  return 0;
}

/* The refusal's text, cut to fit. */
typedef struct { char *p; uint32_t cap, n; } text_t;
static void put(text_t *o, const char *s, uint32_t n) {
  for (uint32_t i = 0; i < n && o->n + 1 < o->cap; i++) o->p[o->n++] = s[i];
  o->p[o->n] = 0;
}
static void puts_(text_t *o, const char *s) { put(o, s, (uint32_t)strlen(s)); }
static void put_span(text_t *o, const span_t *t) {
  char b[32];
  for (uint32_t at = 0; at < t->len; at += sizeof b) {
    uint32_t k = t->len - at < sizeof b ? t->len - at : (uint32_t)sizeof b;
    if (colony_src_read(t->src, t->off + at, (uint8_t *)b, k)) return;
    put(o, b, k);
  }
}
static void put_who(text_t *o, const colony_bundle_t *run, const colony_bundle_t *next) {
  puts_(o, next->name), puts_(o, " "), puts_(o, run->version), puts_(o, " -> "), puts_(o, next->version);
}

typedef struct {
  const colony_src_t *run, *next; /* the two manifests */
  const colony_ota_update_rule_t *rule;
} check_t;

static const char *const TOPIC_FIELD[2] = {"publish", "subscribe"};

/* A capability the running version lacks and the rule does not allow. */
static int cap_out(const check_t *c, const span_t *t) { return !lists(c->run, "capabilities", t) && !allowed(c->rule->capabilities, c->rule->n_capabilities, t); }
/* A topic the running version does not have this way (publish or subscribe), not allowed. */
static int topic_out(const check_t *c, int kind, const span_t *t) { return !lists(c->run, TOPIC_FIELD[kind], t) && !allowed(c->rule->topics, c->rule->n_topics, t); }

/* The next manifest's topics in the host's order, publish then subscribe: item i. */
static int topic_item(const colony_src_t *m, uint32_t i, int *kind, span_t *t) {
  for (int k = 0; k < 2; k++) {
    list_t l;
    if (!list_open(&l, m, TOPIC_FIELD[k])) continue;
    while (list_next(&l, t))
      if (i-- == 0) return *kind = k, 1;
  }
  return 0;
}

/* counted and logged; the text ends with the policy's file */
static colony_ota_reason_t refuse(const colony_ota_policy_t *p, const colony_bundle_t *next, int reason, text_t *o) {
  static const char *const NAMES[] = {"update:publisher", "update:capability", "update:topic"};
  puts_(o, p->updates->file), puts_(o, ")");
  p->updates->refused[reason]++;
  if (p->log) p->log(next, NAMES[reason], o->p);
  return OTA_POLICY;
}

colony_ota_reason_t colony_update_check(const colony_ota_policy_t *p, const colony_src_t *running_src, const colony_bundle_t *running, const colony_src_t *next_src,
                                        const colony_bundle_t *next, char *detail, uint32_t cap) {
  static const char HEX[] = "0123456789abcdef";
  text_t o = {detail, cap, 0};
  if (cap) detail[0] = 0;
  if (!p->updates) return OTA_OK;
  const colony_ota_update_rule_t *rule = p->updates->rules;
  for (uint32_t i = 0; i < p->updates->n_rules; i++, rule++)
    if (!strcmp(rule->agent, "*") || !strcmp(rule->agent, next->name)) break;
  if (rule == p->updates->rules + p->updates->n_rules) return OTA_OK; /* the build always ends the table with "*" */
  int trusted = rule->n_publishers < 0;
  for (int16_t i = 0; i < rule->n_publishers && !trusted; i++) trusted = !memcmp(rule->publishers[i], next->key, 32);
  if (!trusted) {
    char key[17];
    for (int i = 0; i < 8; i++) key[2 * i] = HEX[next->key[i] >> 4], key[2 * i + 1] = HEX[next->key[i] & 15];
    key[16] = 0;
    puts_(&o, "site policy: key "), puts_(&o, key), puts_(&o, "\xe2\x80\xa6 may not update "), puts_(&o, next->name), puts_(&o, " (");
    put_who(&o, running, next);
    puts_(&o, "; ");
    return refuse(p, next, 0, &o);
  }
  colony_src_t run = manifest_of(running_src, running), nxt = manifest_of(next_src, next);
  check_t c = {&run, &nxt, rule};
  list_t l;
  span_t t, u;
  int first = 1;
  if (list_open(&l, &nxt, "capabilities"))
    while (list_next(&l, &t)) {
      if (!cap_out(&c, &t)) continue;
      if (first) puts_(&o, "site policy: "), put_who(&o, running, next), puts_(&o, " asks for new capabilities ");
      else puts_(&o, ", ");
      put_span(&o, &t), first = 0;
    }
  if (!first) return puts_(&o, " ("), refuse(p, next, 1, &o);
  int kind, k2;
  for (uint32_t i = 0; topic_item(&nxt, i, &kind, &t); i++) {
    if (!topic_out(&c, kind, &t)) continue;
    int dup = 0; /* named once, where it first appears */
    for (uint32_t j = 0; j < i && !dup && topic_item(&nxt, j, &k2, &u); j++) dup = same(&u, &t) && topic_out(&c, k2, &u);
    if (dup) continue;
    if (first) puts_(&o, "site policy: "), put_who(&o, running, next), puts_(&o, " asks for new topics ");
    else puts_(&o, ", ");
    put_span(&o, &t), first = 0;
  }
  if (first) return OTA_OK;
  puts_(&o, " (");
  return refuse(p, next, 2, &o);
}
