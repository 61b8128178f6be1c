/* The ABI v1 host functions (host/kernel/abi.ts), as host/kernel/agent.ts and
 * host/kernel/syscalls/ implement them. A bad pointer sets a->host_trap; the
 * engine turns that into a trap of the agent, never of the firmware. */
#include <string.h>
#include "colony.h"
#include "../engines/engine.h"
#include "link.h"
#include "envelope.h"
#include "ledger.h"
#include "policy.h"

#define MAX_SAMPLES 4096
#define MAX_LINE 1024

static uint8_t *mem(colony_agent_t *a, uint32_t p, uint32_t n, const char *what) {
  uint32_t size = 0;
  uint8_t *m = a->spec->engine->memory(a, &size);
  if (!m || p > size || n > size - p) {
    if (!a->host_trap) a->host_trap = what;
    return NULL;
  }
  return m + p;
}

static int32_t refuse(colony_agent_t *a, const char *what, const uint8_t *name, uint32_t n) {
  a->m.refused++;
  colony_printf("refused %s %s \"%.*s\"\n", a->spec->name, what, (int)n, (const char *)name);
  return COLONY_EDENIED;
}

static int granted(const char *const *list, uint8_t count, const uint8_t *name, uint32_t n) {
  for (int i = 0; i < count; i++)
    if (strlen(list[i]) == n && memcmp(list[i], name, n) == 0) return 1;
  return 0;
}

double colony_clock_now(colony_agent_t *a) {
  (void)a;
  return (double)colony_now();
}

int32_t colony_clock_timer_set(colony_agent_t *a, int32_t id, int32_t period, int32_t repeat) {
  if (period < 1) return COLONY_EINVALID;
  colony_timer_t *slot = NULL;
  for (int i = 0; i < COLONY_MAX_TIMERS; i++)
    if (a->timers[i].armed && a->timers[i].id == id) slot = &a->timers[i];
  for (int i = 0; i < COLONY_MAX_TIMERS && !slot; i++)
    if (!a->timers[i].armed) slot = &a->timers[i];
  if (!slot) return COLONY_ENOSPACE;
  slot->id = id;
  slot->period = (uint32_t)period;
  slot->repeat = repeat != 0;
  slot->armed = 1;
  slot->due = colony_now() + (uint32_t)period;
  slot->seq = colony_sched_seq();
  return 0;
}

int32_t colony_clock_timer_cancel(colony_agent_t *a, int32_t id) {
  for (int i = 0; i < COLONY_MAX_TIMERS; i++)
    if (a->timers[i].armed && a->timers[i].id == id) {
      a->timers[i].armed = 0;
      return 0;
    }
  return COLONY_ENOTFOUND;
}

void colony_log_write(colony_agent_t *a, int32_t level, uint32_t p, uint32_t n) {
  if (n > MAX_LINE) n = MAX_LINE;
  const uint8_t *s = mem(a, p, n, "log_write: out-of-bounds memory access");
  if (!s) return;
  if (level < 0) level = 0;
  if (level > 3) level = 3;
  colony_printf("log %s %d %.*s\n", a->spec->name, (int)level, (int)n, (const char *)s);
}

int32_t colony_sensor_open(colony_agent_t *a, uint32_t p, uint32_t n) {
  const uint8_t *name = mem(a, p, n, "sensor_open: out-of-bounds memory access");
  if (!name) return 0;
  if (!granted(a->spec->sensors, a->spec->n_sensors, name, n)) return refuse(a, "sensor", name, n);
  int idx = colony_board_sensor((const char *)name, n);
  if (idx < 0) return COLONY_ENOTFOUND;
  if (a->n_sensors >= COLONY_MAX_SENSORS) return COLONY_ENOSPACE;
  a->sensors[a->n_sensors] = (int8_t)idx;
  return a->n_sensors++;
}

int32_t colony_sensor_read(colony_agent_t *a, int32_t h, uint32_t p, int32_t max) {
  if (max < 0 || max > MAX_SAMPLES) return COLONY_EINVALID;
  if (h < 0 || h >= a->n_sensors) return COLONY_EINVALID;
  uint8_t *out = mem(a, p, (uint32_t)max * 4u, "sensor_read: out-of-bounds memory access");
  if (!out) return 0;
  /* the newest `max` samples at now; memcpy because `p` need not be aligned */
  int64_t last = colony_board_sensor_last(a->sensors[h], colony_now());
  for (int32_t i = 0; i < max; i++) {
    float v = colony_board_sensor_sample(a->sensors[h], last - (max - 1 - i));
    memcpy(out + 4 * i, &v, 4);
  }
  return max;
}

int32_t colony_sensor_watch(colony_agent_t *a, int32_t h, int32_t period) {
  if (h < 0 || h >= a->n_sensors) return COLONY_EINVALID;
  colony_watch_t *w = &a->watches[h];
  w->armed = 0;
  if (period <= 0) return 0;
  w->sensor = h;
  w->period = (uint32_t)period;
  w->due = colony_now() + (uint32_t)period;
  w->seq = colony_sched_seq();
  w->armed = 1;
  return 0;
}

int32_t colony_actuator_open(colony_agent_t *a, uint32_t p, uint32_t n) {
  const uint8_t *name = mem(a, p, n, "actuator_open: out-of-bounds memory access");
  if (!name) return 0;
  if (!granted(a->spec->actuators, a->spec->n_actuators, name, n)) return refuse(a, "actuator", name, n);
  int idx = colony_board_actuator((const char *)name, n);
  if (idx < 0) return COLONY_ENOTFOUND;
  if (a->n_actuators >= COLONY_MAX_ACTUATORS) return COLONY_ENOSPACE;
  a->actuators[a->n_actuators] = (int8_t)idx;
  return a->n_actuators++;
}

int32_t colony_actuator_write(colony_agent_t *a, int32_t h, uint32_t p, uint32_t n) {
  const uint8_t *cmd = mem(a, p, n, "actuator_write: out-of-bounds memory access");
  if (!cmd) return 0;
  if (h < 0 || h >= a->n_actuators) return COLONY_EINVALID;
  if (colony_cbor_item_len(cmd, n) != (int32_t)n) return COLONY_EINVALID;
  if (colony_policy && colony_policy_actuate(colony_policy, a, a->spec->actuators[h], colony_now()) == COLONY_POLICY_REFUSED) return COLONY_EDENIED;
  return colony_board_actuator_write(a->actuators[h], a, cmd, n) == 0 ? 0 : COLONY_EIO;
}

int32_t colony_model_invoke(colony_agent_t *a, uint32_t np, uint32_t nn, uint32_t ip, uint32_t il, uint32_t op, uint32_t ol) {
  const uint8_t *name = mem(a, np, nn, "model_invoke name: out-of-bounds memory access");
  const uint8_t *in = name ? mem(a, ip, il, "model_invoke input: out-of-bounds memory access") : NULL;
  uint8_t *out = in ? mem(a, op, ol, "model_invoke output: out-of-bounds memory access") : NULL;
  if (!out) return 0;
  if (!granted(a->spec->models, a->spec->n_models, name, nn)) return refuse(a, "model", name, nn);
  return colony_model_run(a, name, nn, in, il, out, ol); /* model.c */
}

int32_t colony_bus_publish(colony_agent_t *a, uint32_t tp, uint32_t tn, uint32_t bp, uint32_t bn, int32_t qos) {
  const uint8_t *topic = mem(a, tp, tn, "bus_publish topic: out-of-bounds memory access");
  const uint8_t *body = topic ? mem(a, bp, bn, "bus_publish body: out-of-bounds memory access") : NULL;
  if (!body) return 0;
  if (!granted(a->spec->publish, a->spec->n_publish, topic, tn)) return refuse(a, "publish on", topic, tn);
  if (bn > COLONY_MAX_MESSAGE) return COLONY_ENOSPACE;
  /* the site's policy after the manifest's own checks, as the host kernel asks its gate */
  int gate = colony_policy ? colony_policy_publish(colony_policy, a, topic, tn, body, bn, colony_now()) : COLONY_POLICY_PASS;
  if (gate == COLONY_POLICY_REFUSED) return COLONY_EDENIED;
  a->m.published++;
  colony_printf("pub %s %.*s ", a->spec->name, (int)tn, (const char *)topic);
  colony_hex(body, bn);
  colony_printf(gate == COLONY_POLICY_LOCAL ? " local\n" : "\n");
  /* A sealed link's coord/ messages come back from the broker as the protocols' envelopes
   * (coord.c delivers them with kind/from/me), as on the host: no raw local copy. A
   * local-only topic stays on the device: its agents get it, the link never does. */
  int coord = colony_config.link && colony_config.envelope && tn >= 6 && memcmp(topic, "coord/", 6) == 0;
  if (!coord || gate == COLONY_POLICY_LOCAL) colony_bus_enqueue(a->index, (const char *)topic, tn, body, bn);
  if (gate != COLONY_POLICY_LOCAL) colony_link_publish(a, (const char *)topic, tn, body, bn, qos == 1 ? 1 : 0);
  return 0;
}

int32_t colony_bus_subscribe(colony_agent_t *a, uint32_t fp, uint32_t fn) {
  const uint8_t *f = mem(a, fp, fn, "bus_subscribe: out-of-bounds memory access");
  if (!f) return 0;
  int ok = 0;
  /* allowed: a manifest filter itself, or a filter whose levels all fall under one */
  char probe[64];
  if (fn < sizeof probe) {
    for (uint32_t i = 0; i < fn; i++) probe[i] = (f[i] == '+' || f[i] == '#') ? 'x' : (char)f[i];
    for (int i = 0; i < a->spec->n_subscribe && !ok; i++) {
      const char *m = a->spec->subscribe[i];
      uint32_t mn = (uint32_t)strlen(m);
      ok = (mn == fn && memcmp(m, f, fn) == 0) || colony_topic_matches(m, mn, probe, fn);
    }
  }
  if (!ok) return refuse(a, "subscribe to", f, fn);
  if (a->n_subs >= COLONY_MAX_SUBS) return COLONY_ENOSPACE;
  memcpy(a->subs[a->n_subs], f, fn);
  a->sub_len[a->n_subs++] = (uint8_t)fn;
  colony_link_subscribe(a, (const char *)f, fn);
  return 0;
}

int32_t colony_state_get(colony_agent_t *a, uint32_t kp, uint32_t kn, uint32_t bp, uint32_t bn) {
  const uint8_t *k = mem(a, kp, kn, "state_get key: out-of-bounds memory access");
  if (!k) return 0;
  static uint8_t key[COLONY_STATE_KEY_MAX];
  if (kn > sizeof key) return COLONY_ENOTFOUND;
  memcpy(key, k, kn);
  uint8_t tmp[1];
  int32_t len = colony_kv_get(a, key, kn, tmp, 0);
  if (len < 0) return len;
  uint32_t cap = (uint32_t)len < bn ? (uint32_t)len : bn;
  uint8_t *out = mem(a, bp, cap, "state_get buffer: out-of-bounds memory access");
  if (!out) return 0;
  return colony_kv_get(a, key, kn, out, cap);
}

int32_t colony_state_set(colony_agent_t *a, uint32_t kp, uint32_t kn, uint32_t vp, uint32_t vn) {
  const uint8_t *k = mem(a, kp, kn, "state_set key: out-of-bounds memory access");
  const uint8_t *v = k ? mem(a, vp, vn, "state_set value: out-of-bounds memory access") : NULL;
  if (!v) return 0;
  return colony_kv_set(a, k, kn, v, vn);
}

int32_t colony_state_delete(colony_agent_t *a, uint32_t kp, uint32_t kn) {
  const uint8_t *k = mem(a, kp, kn, "state_delete key: out-of-bounds memory access");
  if (!k) return 0;
  return colony_kv_delete(a, k, kn);
}

/* xorshift32 seeded per device: deterministic across runs, as the simulator's */
void colony_random_fill(colony_agent_t *a, uint32_t p, uint32_t n) {
  static uint32_t s;
  uint8_t *out = mem(a, p, n, "random_fill: out-of-bounds memory access");
  if (!out) return;
  if (!s) s = colony_config.seed ? colony_config.seed : 0x9e3779b9u;
  for (uint32_t i = 0; i < n; i++) {
    s ^= s << 13; s ^= s >> 17; s ^= s << 5;
    out[i] = (uint8_t)s;
  }
}

/* The wallet: the device's seed is the envelope's (given at build time), never copied into
 * an agent's memory. The ledger client (ledger.c) signs a transaction once it knows the
 * device's next nonce and sends it as this device's ledger.tx envelope; the agent gets the
 * client's handle. */
static const colony_envelope_t *wallet_keys(void) {
  const colony_envelope_t *e = colony_config.envelope;
  return e && e->seed && e->pub ? e : NULL;
}

int32_t colony_wallet_id(colony_agent_t *a, uint32_t bp, uint32_t bn) {
  uint8_t *out = mem(a, bp, bn, "wallet_id buffer: out-of-bounds memory access");
  if (!out) return 0;
  if (!wallet_keys()) return COLONY_ENOTFOUND;
  uint32_t n = (uint32_t)strlen(colony_config.device_id);
  memcpy(out, colony_config.device_id, n < bn ? n : bn);
  return (int32_t)n;
}

int32_t colony_wallet_tx(colony_agent_t *a, int32_t kind, uint32_t tp, uint32_t tn, double amount, uint32_t rp, uint32_t rn, uint32_t ap, uint32_t an) {
  static const char *const KINDS[] = {"", "transfer", "iou", "lock", "settle", "settle"};
  const uint8_t *to = mem(a, tp, tn, "wallet_tx to: out-of-bounds memory access");
  const uint8_t *ref = to ? mem(a, rp, rn, "wallet_tx ref: out-of-bounds memory access") : NULL;
  const uint8_t *arb = ref ? mem(a, ap, an, "wallet_tx arbiter: out-of-bounds memory access") : NULL;
  if (!arb) return 0;
  if (!wallet_keys()) return COLONY_ENOTFOUND;
  if (kind < 1 || kind > 5 || tn > COLONY_LEDGER_FIELD_MAX || rn > COLONY_LEDGER_FIELD_MAX || an > COLONY_LEDGER_FIELD_MAX) return COLONY_EINVALID;
  int settle = kind >= 4;
  if (!settle && (amount < 1 || amount > 9007199254740991.0 || amount != (double)(uint64_t)amount)) return COLONY_EINVALID;
  if (settle && rn == 0) return COLONY_EINVALID;
  if (kind == 3 && (rn == 0 || an == 0)) return COLONY_EINVALID;
  const char *verdict = kind == 4 ? "release" : "refund";
  /* a full table is COLONY_ENOSPACE before anything is signed: the agent may ask again */
  return colony_ledger_submit(a->index, KINDS[kind], settle ? (const uint8_t *)verdict : to, settle ? (uint32_t)strlen(verdict) : tn, settle ? 0 : (uint64_t)amount, ref, rn,
                              kind == 3 ? arb : (const uint8_t *)"", kind == 3 ? an : 0);
}

int32_t colony_wallet_status(colony_agent_t *a, int32_t handle) {
  (void)a;
  return handle >= 1 ? colony_ledger_status((uint32_t)handle) : COLONY_ENOTFOUND;
}

/* The device knows its own balance (what the last settled answer carried), not others' */
double colony_wallet_balance(colony_agent_t *a, uint32_t ap, uint32_t an) {
  const uint8_t *acct = mem(a, ap, an, "wallet_balance account: out-of-bounds memory access");
  if (!acct || !wallet_keys()) return __builtin_nan("");
  int own = an == 0 || (an == strlen(colony_config.device_id) && memcmp(acct, colony_config.device_id, an) == 0);
  return own ? colony_ledger_balance() : __builtin_nan("");
}
