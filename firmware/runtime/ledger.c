/* The ledger client (ledger.h). Answers are read with a reader of the few CBOR items they
 * hold: a map with text keys whose values are text, byte strings and integers. */
#include <string.h>
#include "ledger.h"
#include "envelope.h"
#include "link.h"
#include "../crypto/crypto.h"

typedef struct {
  uint8_t used, is_signed;
  int8_t agent;
  uint32_t handle;
  /* what to sign, kept until the nonce is known */
  const char *kind;
  uint8_t to[COLONY_LEDGER_FIELD_MAX], ref[COLONY_LEDGER_FIELD_MAX], arb[COLONY_LEDGER_FIELD_MAX];
  uint8_t tn, rn, an;
  uint64_t amount, nonce;
  uint16_t n;
  uint8_t wire[COLONY_LEDGER_WIRE_MAX]; /* [body, sig]: the signature is its last 64 bytes */
  uint64_t sent_at, next, deadline;
} waiting_t;

static waiting_t waiting[COLONY_LEDGER_WAITING];
/* handle h's answer is kept in slot h % KEPT while kept_handle says it is h's */
static uint32_t kept_handle[COLONY_LEDGER_KEPT];
static int8_t kept_status[COLONY_LEDGER_KEPT];
static uint32_t last_handle;
static double balance = __builtin_nan("");
static uint8_t have_balance;
static uint32_t ignored;
/* the nonce question: asked once the link is up, until the leader answers */
static uint8_t asking, synced;
static uint8_t challenge[COLONY_LEDGER_CHALLENGE];
static uint64_t ask_next;
static uint64_t last_nonce; /* the last nonce used, once synced */

double colony_ledger_balance(void) { return have_balance ? balance : __builtin_nan(""); }
uint32_t colony_ledger_ignored(void) { return ignored; }
int colony_ledger_synced(void) { return synced; }

/* colony/<site>/<rel>[<id>]: 0 when it does not fit */
static uint32_t topic(char *out, uint32_t cap, const char *rel, int with_id) {
  const char *site = colony_config.site, *id = colony_config.device_id;
  uint32_t sn = (uint32_t)strlen(site), rn = (uint32_t)strlen(rel), in = with_id ? (uint32_t)strlen(id) : 0;
  uint32_t n = 7 + sn + 1 + rn + in;
  if (n > cap) return 0;
  memcpy(out, "colony/", 7);
  memcpy(out + 7, site, sn);
  out[7 + sn] = '/';
  memcpy(out + 8 + sn, rel, rn);
  memcpy(out + 8 + sn + rn, id, in);
  return n;
}

/* a body {key: bytes} sealed as `kind` from this device, on ledger/tx at QoS 1 as the client
 * sends; a fresh envelope each time (the ledger nodes drop a seq they have seen) */
static void send_on_tx(const char *kind, const char *key, const uint8_t *bytes, uint32_t bn, const char *what, uint32_t handle) {
  static uint8_t body[COLONY_LEDGER_WIRE_MAX + 8], env[COLONY_LEDGER_WIRE_MAX + 200];
  colony_cbor_wr_t b = {body, 0, sizeof body, 0};
  colony_cbor_head(&b, 5, 1);
  colony_cbor_text(&b, key, (uint32_t)strlen(key));
  colony_cbor_bytes(&b, bytes, bn);
  int32_t sn = b.over ? COLONY_ENOSPACE : colony_envelope_seal_kind(colony_config.envelope, kind, (uint32_t)strlen(kind), body, b.n, env, sizeof env);
  char t[96];
  uint32_t tn = topic(t, sizeof t, "ledger/tx", 0);
  if (sn < 0 || !tn) { colony_printf("ledger: %s %u does not fit an envelope\n", what, (unsigned)handle); return; }
  colony_link_publish_raw(t, tn, env, (uint32_t)sn, 1, 0); /* link down: the next retry sends it */
}

static void send(waiting_t *w) { send_on_tx("ledger.tx", "tx", w->wire, w->n, "transaction", w->handle); }

static void ask(void) {
  ask_next = colony_now() + COLONY_LEDGER_RETRY_MS;
  send_on_tx("ledger.nonce", "q", challenge, sizeof challenge, "nonce question", 0);
}

void colony_ledger_start(void) {
  const colony_envelope_t *e = colony_config.envelope;
  int wallet = 0;
  for (int i = 0; i < colony_config.n_agents; i++) wallet |= (colony_config.agents[i].spec->caps & COLONY_CAP_WALLET) != 0;
  if (!wallet || !e || !e->seed) return;
  char ack[96];
  uint32_t n = topic(ack, sizeof ack, "ledger/ack/", 1);
  if (!n || colony_link_subscribe_raw(ack, n) != 0) colony_printf("ledger: cannot subscribe to its answers (ledger/ack/%s)\n", colony_config.device_id);
  if (synced || asking) return;
  /* This boot's challenge. Peers take this device's envelopes only with a seq above every one
   * they have seen from it, so a boot that is heard at all seals its first question with a seq
   * no earlier boot used: the seq makes q unique per boot, the seed makes it unguessable. */
  uint8_t in[32 + 8 + 8], h[32];
  uint64_t seq = colony_envelope_last_seq(), now = colony_now();
  memcpy(in, e->seed, 32);
  for (int i = 0; i < 8; i++) { in[32 + i] = (uint8_t)(seq >> (8 * i)); in[40 + i] = (uint8_t)(now >> (8 * i)); }
  colony_sha256(in, sizeof in, h);
  memcpy(challenge, h, sizeof challenge);
  asking = 1;
  ask();
}

int colony_ledger_room(void) {
  for (int i = 0; i < COLONY_LEDGER_WAITING; i++) if (!waiting[i].used) return 1;
  return 0;
}

static void keep(uint32_t handle, int8_t status) {
  kept_handle[handle % COLONY_LEDGER_KEPT] = handle;
  kept_status[handle % COLONY_LEDGER_KEPT] = status;
}

/* an answer for a handle still kept (a newer handle may have taken its place while it waited) */
static void answered(uint32_t handle, int8_t status) {
  if (kept_handle[handle % COLONY_LEDGER_KEPT] == handle) kept_status[handle % COLONY_LEDGER_KEPT] = status;
}

int32_t colony_ledger_status(uint32_t handle) {
  if (handle == 0 || kept_handle[handle % COLONY_LEDGER_KEPT] != handle) return COLONY_ENOTFOUND;
  return kept_status[handle % COLONY_LEDGER_KEPT];
}

static const char *agent_name(const waiting_t *w) {
  return w->agent >= 0 && w->agent < colony_config.n_agents ? colony_config.agents[w->agent].spec->name : "-";
}

/* signs w with the next nonce and sends it; 0 when it cannot be built (refused at once) */
static int sign_and_send(waiting_t *w) {
  const colony_envelope_t *e = colony_config.envelope;
  int32_t n = colony_wallet_wire(w->wire, sizeof w->wire, w->kind, colony_config.device_id, w->to, w->tn, w->amount, last_nonce + 1, w->ref, w->rn, w->arb, w->an, e->seed, e->pub);
  if (n < 0) {
    w->used = 0;
    answered(w->handle, COLONY_EREFUSED);
    colony_printf("wallet %s refused handle %u: its transaction does not fit %u bytes\n", agent_name(w), (unsigned)w->handle, (unsigned)sizeof w->wire);
    return 0;
  }
  w->nonce = ++last_nonce;
  w->n = (uint16_t)n;
  w->is_signed = 1;
  w->next = colony_now() + COLONY_LEDGER_RETRY_MS;
  colony_printf("wallet %s %s nonce %u ", agent_name(w), w->kind, (unsigned)w->nonce);
  colony_hex(w->wire, (uint32_t)n);
  colony_printf("\n");
  send(w);
  return 1;
}

int32_t colony_ledger_submit(int agent, const char *kind, const uint8_t *to, uint32_t tn, uint64_t amount, const uint8_t *ref, uint32_t rn, const uint8_t *arb, uint32_t an) {
  const colony_envelope_t *e = colony_config.envelope;
  if (!e || !e->seed || !e->pub || tn > COLONY_LEDGER_FIELD_MAX || rn > COLONY_LEDGER_FIELD_MAX || an > COLONY_LEDGER_FIELD_MAX) return COLONY_EINVALID;
  for (int i = 0; i < COLONY_LEDGER_WAITING; i++) {
    waiting_t *w = &waiting[i];
    if (w->used) continue;
    w->kind = kind;
    memcpy(w->to, to, tn); w->tn = (uint8_t)tn;
    memcpy(w->ref, ref, rn); w->rn = (uint8_t)rn;
    memcpy(w->arb, arb, an); w->an = (uint8_t)an;
    w->amount = amount;
    w->is_signed = 0;
    w->handle = ++last_handle;
    w->agent = (int8_t)agent;
    w->sent_at = colony_now();
    w->next = w->sent_at + COLONY_LEDGER_RETRY_MS;
    w->deadline = w->sent_at + COLONY_LEDGER_TIMEOUT_MS;
    w->used = 1;
    keep(w->handle, COLONY_WALLET_PENDING);
    if (synced) sign_and_send(w);
    return (int32_t)w->handle;
  }
  return COLONY_ENOSPACE;
}

void colony_ledger_poll(void) {
  uint64_t now = colony_now();
  if (asking && !synced && now >= ask_next) ask();
  for (int i = 0; i < COLONY_LEDGER_WAITING; i++) {
    waiting_t *w = &waiting[i];
    if (!w->used) continue;
    if (now >= w->deadline) {
      w->used = 0;
      answered(w->handle, COLONY_EREFUSED);
      if (w->is_signed) colony_printf("wallet %s refused nonce %u: timeout: no settlement within %u ms; it may still settle\n", agent_name(w), (unsigned)w->nonce, COLONY_LEDGER_TIMEOUT_MS);
      else colony_printf("wallet %s refused handle %u: timeout: no ledger said which nonce to use within %u ms; nothing was signed\n", agent_name(w), (unsigned)w->handle, COLONY_LEDGER_TIMEOUT_MS);
    } else if (w->is_signed && now >= w->next) {
      w->next = now + COLONY_LEDGER_RETRY_MS;
      send(w); /* an answer handled while it waits for the link may free this slot: it only reads it */
    }
  }
}

/* ---------- answers ---------- */

static int string(colony_cbor_rd_t *r, uint8_t want, const uint8_t **s, uint32_t *sn) {
  uint8_t major; uint64_t v;
  if (!colony_cbor_read_head(r, &major, &v) || major != want || v > r->n - r->at) return 0;
  *s = r->p + r->at; *sn = (uint32_t)v; r->at += (uint32_t)v;
  return 1;
}
/* an integer the host's numbers hold exactly (|x| < 2^53) */
static int integer(colony_cbor_rd_t *r, int64_t *x) {
  uint8_t major; uint64_t v;
  if (!colony_cbor_read_head(r, &major, &v) || major > 1 || v > 0x1fffffffffffffULL) return 0;
  *x = major == 0 ? (int64_t)v : -1 - (int64_t)v;
  return 1;
}

static void drop(const char *why, const uint8_t *detail, uint32_t dn) {
  ignored++;
  colony_printf("ledger: answer ignored (%u since boot): %s%.*s\n", (unsigned)ignored, why, (int)dn, (const char *)detail);
}

typedef struct {
  const uint8_t *txid, *sig, *hash, *reason, *message, *q;
  uint32_t txid_n, sig_n, hash_n, reason_n, message_n, q_n;
  int64_t height, term, balance, next;
  uint16_t have; /* bits: txid sig height term hash balance reason message q next */
} answer_t;

/* the body's fields; 0 and a drop line when one is not what its kind says */
static int fields(const uint8_t *body, uint32_t bn, answer_t *a) {
  colony_cbor_rd_t r = {body, bn, 0};
  uint8_t major; uint64_t count;
  memset(a, 0, sizeof *a);
  if (!colony_cbor_read_head(&r, &major, &count) || major != 5) { drop("body is not a map", NULL, 0); return 0; }
  for (uint64_t i = 0; i < count; i++) {
    const uint8_t *k; uint32_t kn;
    if (!string(&r, 3, &k, &kn)) { drop("a body key is not text", NULL, 0); return 0; }
#define IS(name) (kn == sizeof name - 1 && memcmp(k, name, kn) == 0)
    int ok = 1;
    if (IS("txid")) { ok = string(&r, 3, &a->txid, &a->txid_n); a->have |= 1; }
    else if (IS("sig")) { ok = string(&r, 2, &a->sig, &a->sig_n) && a->sig_n == 64; a->have |= 2; }
    else if (IS("height")) { ok = integer(&r, &a->height) && a->height >= 0; a->have |= 4; }
    else if (IS("term")) { ok = integer(&r, &a->term) && a->term >= 0; a->have |= 8; }
    else if (IS("hash")) { ok = string(&r, 2, &a->hash, &a->hash_n) && a->hash_n == 32; a->have |= 16; }
    else if (IS("balance")) { ok = integer(&r, &a->balance); a->have |= 32; }
    else if (IS("reason")) { ok = string(&r, 3, &a->reason, &a->reason_n) && a->reason_n > 0; a->have |= 64; }
    else if (IS("message")) { ok = string(&r, 3, &a->message, &a->message_n); a->have |= 128; }
    else if (IS("q")) { ok = string(&r, 2, &a->q, &a->q_n) && a->q_n == COLONY_LEDGER_CHALLENGE; a->have |= 256; }
    else if (IS("next")) { ok = integer(&r, &a->next) && a->next >= 1; a->have |= 512; }
    else {
      int32_t skip = colony_cbor_item_len(body + r.at, bn - r.at); /* a field this version does not read */
      ok = skip >= 0;
      if (ok) r.at += (uint32_t)skip;
    }
#undef IS
    if (!ok) { drop("bad field ", k, kn); return 0; }
  }
  return 1;
}

/* the leader's word on which nonce comes next: the waiting transactions are signed, oldest first */
static void next_nonce(const answer_t *a) {
  if ((a->have & (256 | 512 | 32 | 4)) != (256 | 512 | 32 | 4)) { drop("ledger.next needs q, next, balance and height", NULL, 0); return; }
  if (!asking || memcmp(a->q, challenge, COLONY_LEDGER_CHALLENGE) != 0) { drop("ledger.next answers another question (q)", NULL, 0); return; }
  if (synced) return; /* a second answer to this boot's question (resent while the first was on its way) */
  synced = 1;
  last_nonce = (uint64_t)a->next - 1;
  if (!have_balance) { balance = (double)a->balance; have_balance = 1; }
  colony_printf("wallet: the ledger says nonce %L comes next, balance %s%L (height %L)\n", (uint64_t)a->next, a->balance < 0 ? "-" : "", (uint64_t)(a->balance < 0 ? -a->balance : a->balance),
                (uint64_t)a->height);
  for (;;) {
    waiting_t *first = NULL;
    for (int i = 0; i < COLONY_LEDGER_WAITING; i++)
      if (waiting[i].used && !waiting[i].is_signed && (!first || waiting[i].handle < first->handle)) first = &waiting[i];
    if (!first) return;
    sign_and_send(first);
  }
}

void colony_ledger_answer(const uint8_t *env, uint32_t n) {
  const colony_envelope_t *e = colony_config.envelope;
  colony_opened_t o;
  char why[160];
  if (!e) return;
  int32_t r = colony_envelope_open_any(e, env, n, 0, &o, why, sizeof why);
  if (r < 0) { drop(why, NULL, 0); return; }
  if (r == 1) return; /* our own envelope: nothing we send goes here */
  int settled = o.kn == 10 && memcmp(o.kind, "ledger.ack", 10) == 0;
  int refused = o.kn == 14 && memcmp(o.kind, "ledger.refused", 14) == 0;
  int next = o.kn == 11 && memcmp(o.kind, "ledger.next", 11) == 0;
  if (!settled && !refused && !next) { drop("not an answer: kind ", o.kind, o.kn); return; }
  answer_t a;
  if (!fields(o.body, o.bn, &a)) return;
  if (next) { next_nonce(&a); return; }
  uint8_t need = settled ? 1 | 2 | 4 | 8 | 16 | 32 : 1 | 2 | 64 | 128;
  if ((a.have & need) != need) { drop(settled ? "ledger.ack needs txid, sig, height, term, hash and balance" : "ledger.refused needs txid, sig, reason and message", NULL, 0); return; }
  /* which transaction: its id <device>:<nonce> and its signature (another one of that nonce is not it) */
  const char *id = colony_config.device_id;
  uint32_t idn = (uint32_t)strlen(id);
  for (int i = 0; i < COLONY_LEDGER_WAITING; i++) {
    waiting_t *w = &waiting[i];
    if (!w->used || !w->is_signed || memcmp(w->wire + w->n - 64, a.sig, 64) != 0) continue;
    char txid[64];
    uint32_t tn = idn + 1;
    if (tn + 20 > sizeof txid) continue;
    memcpy(txid, id, idn);
    txid[idn] = ':';
    char digits[20]; int dn = 0;
    uint64_t h = w->nonce;
    do digits[dn++] = (char)('0' + h % 10); while (h /= 10);
    while (dn) txid[tn++] = digits[--dn];
    if (a.txid_n != tn || memcmp(a.txid, txid, tn) != 0) { drop("txid does not name the signed transaction: ", a.txid, a.txid_n); return; }
    w->used = 0;
    uint32_t ms = (uint32_t)(colony_now() - w->sent_at);
    if (settled) {
      answered(w->handle, COLONY_WALLET_SETTLED);
      balance = (double)a.balance;
      have_balance = 1;
      colony_printf("wallet %s settled nonce %u height %L balance %s%L after %u ms\n", agent_name(w), (unsigned)w->nonce, (uint64_t)a.height, a.balance < 0 ? "-" : "",
                    (uint64_t)(a.balance < 0 ? -a.balance : a.balance), (unsigned)ms);
    } else {
      answered(w->handle, COLONY_EREFUSED);
      colony_printf("wallet %s refused nonce %u: %.*s: %.*s (after %u ms)\n", agent_name(w), (unsigned)w->nonce, (int)a.reason_n, (const char *)a.reason, (int)a.message_n,
                    (const char *)a.message, (unsigned)ms);
    }
    return;
  }
  /* an answer about a transaction no longer waiting: a duplicate of one already taken */
}
